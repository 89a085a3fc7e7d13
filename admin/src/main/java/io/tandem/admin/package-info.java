/** Admin SQL interface and Prometheus metrics. */
package io.tandem.admin;
