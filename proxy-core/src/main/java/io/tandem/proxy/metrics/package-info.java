/**
 * What the protocol core counts: {@link io.tandem.proxy.metrics.ProxyMetrics} (connections,
 * commands by where they ran, kind and outcome, latency) and
 * {@link io.tandem.proxy.metrics.BackendMeter} (bytes and connections per backend). The admin
 * module implements them and exports them to Prometheus; the hot path only increments.
 */
package io.tandem.proxy.metrics;
