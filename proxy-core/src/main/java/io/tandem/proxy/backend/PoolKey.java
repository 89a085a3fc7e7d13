package io.tandem.proxy.backend;

/**
 * What makes two backend connections interchangeable: same server, same user, same
 * session-shaping capability flags and same connection collation.
 */
public record PoolKey(String backend, String user, int capabilities, int collationId) {}
