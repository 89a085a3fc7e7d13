/**
 * Statement classification, routing rules and hints, topology, monitoring and failover.
 * Today every statement goes to the active master (see {@code ActiveMasterRoute} in proxy-core's
 * session); read/write splitting lands here next.
 */
package io.tandem.router;
