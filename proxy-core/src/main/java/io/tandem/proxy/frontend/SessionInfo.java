package io.tandem.proxy.frontend;

import java.util.List;

/**
 * One client session as operators see it, taken on the session's own event loop.
 *
 * @param id             the proxy's connection id (what {@code KILL} and {@code CONNECTION_ID()} use)
 * @param clientAddress  the client's address and port
 * @param user           the user it logged in as
 * @param schema         its current schema, or null
 * @param backends       names of the backends it holds a connection to (none between commands
 *                       when it multiplexes)
 * @param pins           why it keeps its connections between commands ({@code PinReason} labels;
 *                       {@code multiplexing_off} when multiplexing is off for its user)
 * @param inTransaction  a transaction is open
 * @param connectedAtMillis when it logged in (epoch milliseconds)
 * @param command        the statement (or command name) running now, shortened; null when idle
 * @param commandMillis  how long the running command has run
 */
public record SessionInfo(long id, String clientAddress, String user, String schema, List<String> backends,
    List<String> pins, boolean inTransaction, long connectedAtMillis, String command, long commandMillis) {}
