/**
 * Real replicated MariaDB topologies on 127.0.0.1, for {@code tandem sandbox} and integration tests.
 *
 * <p>Start one with {@link io.tandem.sandbox.SandboxTopology#start}: {@code
 * SandboxOptions.forTests()} for a fresh temporary directory and random ports, or {@code new
 * SandboxOptions(dir, SandboxOptions.DEFAULT_BASE_PORT)} for m1=23306, m2=23307, r1=23308,
 * r2=23309. See {@link io.tandem.sandbox.SandboxTopology} for the topology and its settings.
 *
 * <p>This module depends on the JDK, slf4j-api and the MariaDB binaries jar only. Server
 * processes, {@code mariadb-install-db}, the {@code mariadb} client (for set-up SQL, run as root
 * over each server's Unix socket), {@code keytool} (for the certificate) and {@code /bin/sh}
 * (for the watchdogs) are run as subprocesses.
 *
 * <h2>Things worth knowing about MariaDB 11.4</h2>
 *
 * <ul>
 *   <li>Without {@code ssl-cert}/{@code ssl-key}, the 11.4 server makes itself a certificate at
 *       start-up, which costs about 18 s of CPU; the sandbox always configures its own
 *       certificate, and a server starts in well under a second.
 *   <li>The 11.4 {@code mariadb} client uses TLS and verifies the server certificate by default.
 *       For passwordless root it turns verification off with a warning. Connect with
 *       {@code mariadb --protocol=TCP -h127.0.0.1 -P23306 -uroot --skip-ssl}, or verify with
 *       {@code --ssl-ca=<baseDir>/tls/cert.pem}; or use the socket:
 *       {@code mariadb -S <baseDir>/m1/server.sock -uroot}.
 *   <li>Since 11.4, {@code CHANGE MASTER} defaults to {@code MASTER_SSL=1} and
 *       {@code MASTER_SSL_VERIFY_SERVER_CERT=1}. The sandbox sets {@code MASTER_SSL_CA} to its
 *       certificate. The bundled build's TLS library (WolfSSL) accepts a self-signed trust
 *       anchor only with basic constraints CA:true, and checks host {@code 127.0.0.1} against DNS
 *       names rather than IP addresses, hence the certificate's {@code DNS:127.0.0.1}. These
 *       settings stay when a later {@code CHANGE MASTER} (say, a failover to m2) leaves them out.
 *   <li>{@code gtid_strict_mode} with both masters writing in one GTID domain stops replication
 *       as soon as both write at once ("out-of-order sequence number"), so every server has its
 *       own {@code gtid_domain_id} (= server_id). GTID positions therefore look like
 *       {@code 1-1-42,2-2-7}.
 * </ul>
 */
package io.tandem.sandbox;
