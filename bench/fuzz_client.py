#!/usr/bin/python3
"""MySQL client-protocol fuzzer for Tandem (run by bench/fuzz.sh; Python 3 standard library only).

Speaks the client protocol itself (handshake v10, mysql_native_password) against the proxy and
mixes, with a seeded RNG per worker:
  pre/*     attacks before login: garbage, truncated, oversized, mutated and bit-flipped handshake
            responses, wrong sequence ids, wrong passwords, mutated auth-switch answers, SSL
            requests followed by garbage or by a real TLS handshake, pipelined commands;
  post/*    a session as app/app with valid COM_QUERY mixed with mutated commands: every
            COM_STMT_* field, COM_FIELD_LIST, COM_SET_OPTION, COM_PROCESS_KILL (ids above 10^9
            only), COM_CHANGE_USER, unknown command bytes, empty packets, wrong sequence ids,
            pipelined and abandoned commands, multi-frame (16 MiB) commands;
  silent/*  clients that stop: connect and send nothing, half a header, half a handshake, a
            16 MiB header then silence, a header and part of a command after login ... These
            sockets stay open (up to --silent of them) until bench/fuzz.sh has counted, after
            its settle time, which ones the proxy still holds.
Dangerous command bytes (COM_SHUTDOWN, COM_DROP_DB, COM_CREATE_DB, COM_REFRESH, COM_DEBUG,
COM_BINLOG_DUMP*, COM_REGISTER_SLAVE) are never sent, and valid SQL touches app.fuzz only.

Each connection binds a loopback source address of its own (127.1.x.y for attacks before login,
127.2.x.y after), so the proxy's per-address login throttle does not turn the whole run into
ERR 1129; a few pre-auth attacks use 127.0.2.1-4 on purpose to see the throttle work. 127.0.0.1
stays clean for bench/fuzz.sh's own checks.

Counts per category: cases, packets sent, answers (OK / ERR by code), connections the proxy
closed, and timeouts (no answer within --answer-timeout, default 5 s). Findings (ERR codes
2000-2999, timeouts, closed connections after valid commands, accepted wrong credentials,
answers out of protocol) are listed with the packet that caused them.

Protocol with bench/fuzz.sh through --state DIR: after --time seconds the fuzzer writes
DIR/summary.txt and DIR/fuzz-done, then keeps its silent sockets open until DIR/release exists;
then it reads DIR/ss.txt (ss output), writes DIR/silent.txt and exits.
"""

import argparse
import hashlib
import json
import os
import random
import selectors
import signal
import socket
import ssl
import struct
import sys
import threading
import time
import traceback
from collections import Counter, defaultdict

# --- protocol constants -------------------------------------------------------------------------

LONG_PASSWORD = 1
FOUND_ROWS = 2
LONG_FLAG = 4
CONNECT_WITH_DB = 8
NO_SCHEMA = 16
COMPRESS = 32
LOCAL_FILES = 128
PROTOCOL_41 = 512
INTERACTIVE = 1024
SSL_CAP = 2048
TRANSACTIONS = 8192
SECURE_CONNECTION = 32768
MULTI_STATEMENTS = 1 << 16
MULTI_RESULTS = 1 << 17
PS_MULTI_RESULTS = 1 << 18
PLUGIN_AUTH = 1 << 19
CONNECT_ATTRS = 1 << 20
PLUGIN_AUTH_LENENC = 1 << 21
SESSION_TRACK = 1 << 23
DEPRECATE_EOF = 1 << 24

BASE_CAPS = (LONG_PASSWORD | FOUND_ROWS | LONG_FLAG | PROTOCOL_41 | TRANSACTIONS | SECURE_CONNECTION
             | MULTI_STATEMENTS | MULTI_RESULTS | PS_MULTI_RESULTS | PLUGIN_AUTH | PLUGIN_AUTH_LENENC)

MORE_RESULTS = 0x0008
CURSOR_EXISTS = 0x0040
MAX_FRAME = 0xFFFFFF

COM_SLEEP, COM_QUIT, COM_INIT_DB, COM_QUERY, COM_FIELD_LIST = 0x00, 0x01, 0x02, 0x03, 0x04
COM_STATISTICS, COM_PROCESS_INFO, COM_PROCESS_KILL, COM_PING = 0x09, 0x0a, 0x0c, 0x0e
COM_CHANGE_USER, COM_STMT_PREPARE, COM_STMT_EXECUTE, COM_STMT_SEND_LONG_DATA = 0x11, 0x16, 0x17, 0x18
COM_STMT_CLOSE, COM_STMT_RESET, COM_SET_OPTION, COM_STMT_FETCH, COM_RESET_CONNECTION = 0x19, 0x1a, 0x1b, 0x1c, 0x1f
# Never sent: CREATE_DB 05, DROP_DB 06, REFRESH 07, SHUTDOWN 08, DEBUG 0d, BINLOG_DUMP 12,
# REGISTER_SLAVE 15, BINLOG_DUMP_GTID 1e (app has ALL PRIVILEGES on the servers).
NEVER = {0x05, 0x06, 0x07, 0x08, 0x0d, 0x12, 0x15, 0x1e}
KNOWN = {COM_QUIT, COM_INIT_DB, COM_QUERY, COM_FIELD_LIST, COM_STATISTICS, COM_PROCESS_INFO,
         COM_PROCESS_KILL, COM_PING, COM_CHANGE_USER, COM_STMT_PREPARE, COM_STMT_EXECUTE,
         COM_STMT_SEND_LONG_DATA, COM_STMT_CLOSE, COM_STMT_RESET, COM_SET_OPTION, COM_STMT_FETCH,
         COM_RESET_CONNECTION}
UNKNOWN_COMMANDS = [c for c in range(256) if c not in NEVER and c not in KNOWN]

BINARY_TYPES = [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0f,
                0x10, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd, 0xfe, 0xff]
INTERESTING_BYTES = [0x00, 0x01, 0x7f, 0x80, 0xfa, 0xfb, 0xfc, 0xfd, 0xfe, 0xff]
INTERESTING_U32 = [0, 1, 2, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff]

VALID_QUERIES = [
    "select 1", "SELECT @@version, @@server_id", "select connection_id()", "select * from app.fuzz limit 5",
    "insert into app.fuzz values (x'0102')", "select count(*) from app.fuzz", "begin", "commit",
    "rollback", "set @a = 1", "select @a", "set names utf8mb4", "set names latin1", "use app",
    "show tables", "show variables like 'max_allowed_packet'", "select sleep(0.01)", "select 1; select 2",
    "/* tandem:master */ select 1", "start transaction read only", "select repeat('x', 70000)",
    "select 1 from dual where 1 = 0", "do 1", "select last_insert_id()", "set autocommit = 0",
    "set autocommit = 1", "prepare fz from 'select ?, ?'", "set @p = 5", "execute fz using @p, @p",
    "deallocate prepare fz", "select get_lock('fuzz', 0)", "select release_lock('fuzz')",
    "create temporary table fz_tmp (a int)", "select * from fz_tmp", "drop temporary table if exists fz_tmp",
    "select * from app.no_such_table", "selec 1", "select 1 for update", "select found_rows()",
    "show warnings", "select 'a' into @x", "insert into app.fuzz values (repeat('y', 300))",
    "select v from app.fuzz order by rand() limit 1", "set session sql_mode = ''",
    "select * from information_schema.schemata limit 3", "select 1;", ";", "", "/* tandem:replica */ select 2",
    "/* tandem:max_lag=500ms */ select 3", "select 1; set @b = 2", "show processlist",
]
# statements a byte mutation cannot turn into a long wait (sleep, get_lock, huge repeat)
MUTATION_BASE = [q for q in VALID_QUERIES if not any(w in q for w in ('sleep', 'lock', 'repeat'))]
# KILL forms whose ids are all above 10^9, also after wrapping at 32 or 64 bits
KILL_QUERIES = ["KILL 1234567890", "kill query 4000000000", "KILL CONNECTION 3999999999", "kill 18446744073709551615",
                "KILL %d" % (2 ** 64 + 3000000000), "KILL %d" % (2 ** 32 * 7 + 3000000001), "kill", "kill -4000000000",
                "KILL abc", "KILL QUERY ID 4000000000", "  kill   4000000002  ", "KILL 4000000000; select 1",
                "/* c */ KILL 4000000003", "KILL USER 'nobody_fuzz'", "kill 4e9", "KILL 0x" + "f" * 40]

PREPARE_SQL = ["select ?, ?", "insert into app.fuzz values (?)", "select ?", "select * from app.fuzz where v = ? limit 3",
               "select 1", "select ? + ?, concat(?, 'x')", "do ?",
               "select * from app.fuzz limit 20", "set @fz = ?", "select ? from dual where ? = ?",
               "select * from app.no_such_table where v = ?", "select ?? from", "select length(?)",
               "/* tandem:master */ select ?", "select * from app.fuzz where v in (?, ?, ?, ?, ?, ?, ?, ?, ?)"]


# ERR codes the proxy sends when a backend failed under a command (ErrorCode.LOST_CONNECTION, CANNOT_CONNECT)
BACKEND_LOST = {1927, 1429}


class Closed(Exception):
    """The proxy closed the connection (EOF or reset)."""


class Timeout(Exception):
    """No answer within the answer timeout."""


class Desync(Exception):
    """An answer the protocol does not allow here."""


class Refused(Exception):
    """Connect refused, or an ERR instead of the greeting (the ERR is already counted)."""


# --- encoding helpers ---------------------------------------------------------------------------

def lenenc(n):
    if n < 0xfb:
        return bytes([n])
    if n < 1 << 16:
        return b'\xfc' + struct.pack('<H', n)
    if n < 1 << 24:
        return b'\xfd' + struct.pack('<I', n)[:3]
    return b'\xfe' + struct.pack('<Q', n)


def lenenc_str(b):
    return lenenc(len(b)) + b


def read_lenenc(p, i):
    if i >= len(p):
        raise Desync('lenenc past the end')
    f = p[i]
    if f < 0xfb:
        return f, i + 1
    if f == 0xfc:
        return struct.unpack_from('<H', p, i + 1)[0], i + 3
    if f == 0xfd:
        return int.from_bytes(p[i + 1:i + 4], 'little'), i + 4
    if f == 0xfe:
        return struct.unpack_from('<Q', p, i + 1)[0], i + 9
    raise Desync('bad lenenc 0x%02x' % f)


def frames(payload, seq=0):
    """The payload split into frames of at most 16 MiB - 1, as a client sends it."""
    out = bytearray()
    i = 0
    while True:
        chunk = payload[i:i + MAX_FRAME]
        out += struct.pack('<I', len(chunk))[:3] + bytes([seq & 0xff]) + chunk
        seq += 1
        i += len(chunk)
        if len(chunk) < MAX_FRAME:
            return bytes(out)


def header(length, seq):
    return struct.pack('<I', length)[:3] + bytes([seq & 0xff])


def native_password(password, scramble):
    if not password:
        return b''
    h1 = hashlib.sha1(password).digest()
    h2 = hashlib.sha1(h1).digest()
    h3 = hashlib.sha1(scramble + h2).digest()
    return bytes(a ^ b for a, b in zip(h1, h3))


def err_of(p):
    code = struct.unpack_from('<H', p, 1)[0] if len(p) >= 3 else -1
    msg = p[3:]
    if msg[:1] == b'#':
        msg = msg[6:]
    return code, msg.decode('utf-8', 'replace')[:160]


def hexdump(b, limit=96):
    s = b[:limit].hex(' ')
    return s + (' ... (%d bytes)' % len(b) if len(b) > limit else ' (%d bytes)' % len(b))


def handshake_response(caps, user, auth, db=b'app', plugin=b'mysql_native_password', attrs=None,
                       max_packet=1 << 24, charset=45, filler=None):
    p = struct.pack('<IIB', caps & 0xffffffff, max_packet & 0xffffffff, charset & 0xff) + (filler if filler is not None else bytes(23))
    p += user + b'\0'
    if caps & PLUGIN_AUTH_LENENC:
        p += lenenc_str(auth)
    elif caps & SECURE_CONNECTION:
        p += bytes([len(auth) & 0xff]) + auth
    else:
        p += auth + b'\0'
    if caps & CONNECT_WITH_DB:
        p += (db or b'') + b'\0'
    if caps & PLUGIN_AUTH:
        p += plugin + b'\0'
    if caps & CONNECT_ATTRS:
        kv = b''.join(lenenc_str(k) + lenenc_str(v) for k, v in (attrs or [(b'_client_name', b'tandem-fuzz')]))
        p += lenenc_str(kv)
    return p


# --- byte mutations -----------------------------------------------------------------------------

def mutate_bytes(rng, data, rounds=None):
    b = bytearray(data)
    for _ in range(rounds or rng.randint(1, 4)):
        op = rng.randrange(8)
        if not b:
            b += bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
            continue
        i = rng.randrange(len(b))
        if op == 0:
            b[i] ^= 1 << rng.randrange(8)
        elif op == 1:
            b[i] = rng.choice(INTERESTING_BYTES)
        elif op == 2:
            b[i:i] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
        elif op == 3:
            del b[i:i + rng.randint(1, 16)]
        elif op == 4:
            del b[i:]
        elif op == 5:
            b += bytes(rng.randrange(256) for _ in range(rng.randint(1, 64)))
        elif op == 6:
            j = rng.randrange(len(b))
            b[i:i] = b[j:j + rng.randint(1, 32)]
        else:
            b[i] = rng.randrange(256)
    return bytes(b)


# --- statistics ---------------------------------------------------------------------------------

class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.cat = defaultdict(lambda: {'cases': 0, 'packets': 0, 'ok': 0, 'err': Counter(), 'closed': 0,
                                        'closed_no_err': 0, 'timeouts': 0, 'unexpected': 0, 'refused': 0,
                                        'quiet': 0})
        self.findings = {}          # (kind, cat, detail) -> {'count', 'examples'}
        self.err_messages = {}      # code -> first message
        self.connections = 0
        self.bugs = 0
        self.connect_failures = 0
        self.first_connect_failure = None   # (seconds into the fuzz, error)
        self.bug_traces = []

    def add(self, cat, key, n=1):
        with self.lock:
            self.cat[cat][key] += n

    def err(self, cat, code, msg):
        with self.lock:
            self.cat[cat]['err'][code] += 1
            self.err_messages.setdefault(code, msg)

    def finding(self, kind, cat, detail, example):
        with self.lock:
            f = self.findings.setdefault((kind, cat, detail), {'count': 0, 'examples': [], 'first': time.time()})
            f['count'] += 1
            if len(f['examples']) < 3:
                f['examples'].append(example)


# --- a connection -------------------------------------------------------------------------------

class Conn:
    def __init__(self, fz, src):
        self.fz = fz
        self.src = src
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.bind((src, 0))
        self.sock.settimeout(fz.answer_timeout)
        try:
            self.sock.connect((fz.host, fz.port))
        except OSError as e:
            self.sock.close()
            with fz.stats.lock:
                fz.stats.connect_failures += 1
                if fz.stats.first_connect_failure is None:
                    fz.stats.first_connect_failure = (fz.elapsed(), str(e))
            time.sleep(0.1)  # the proxy may be gone: do not spin
            raise Refused('connect: %s' % e)
        self.lport = self.sock.getsockname()[1]
        self.buf = bytearray()
        with fz.stats.lock:
            fz.stats.connections += 1

    def send(self, data):
        try:
            self.sock.sendall(data)
        except socket.timeout:
            raise Timeout('send blocked')
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError) as e:
            raise Closed('send: %s' % type(e).__name__)
        except OSError as e:
            raise Closed('send: %s' % e)

    def _fill(self, n):
        while len(self.buf) < n:
            try:
                chunk = self.sock.recv(1 << 16)
            except socket.timeout:
                raise Timeout('read')
            except (ConnectionResetError, ssl.SSLError) as e:
                raise Closed(type(e).__name__)
            except OSError as e:
                raise Closed(str(e))
            if not chunk:
                raise Closed('eof')
            self.buf += chunk

    def read_packet(self):
        payload = bytearray()
        while True:
            self._fill(4)
            n = self.buf[0] | self.buf[1] << 8 | self.buf[2] << 16
            seq = self.buf[3]
            self._fill(4 + n)
            payload += self.buf[4:4 + n]
            del self.buf[:4 + n]
            if n < MAX_FRAME:
                return seq, bytes(payload)

    def close(self, rst=False):
        try:
            if rst:
                self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
            self.sock.close()
        except OSError:
            pass


class Greeting:
    def __init__(self, p):
        if not p or p[0] != 10:
            raise Desync('greeting is not protocol 10: ' + hexdump(p, 32))
        i = p.index(b'\0', 1) + 1
        self.conn_id = struct.unpack_from('<I', p, i)[0]
        i += 4
        s1 = p[i:i + 8]
        i += 9
        self.caps = struct.unpack_from('<H', p, i)[0]
        i += 2
        s2 = b''
        self.plugin = b''
        if len(p) > i:
            i += 3
            self.caps |= struct.unpack_from('<H', p, i)[0] << 16
            i += 2
            alen = p[i]
            i += 11
            if self.caps & SECURE_CONNECTION:
                n = max(13, alen - 8)
                s2 = p[i:i + n]
                i += n
            if self.caps & PLUGIN_AUTH:
                self.plugin = p[i:].split(b'\0', 1)[0]
        self.scramble = (s1 + s2).rstrip(b'\0')[:20]


# --- one case: one attack or one command, with its accounting ------------------------------------

class Case:
    def __init__(self, worker, cat, conn=None, chaos=False):
        self.w = worker
        self.fz = worker.fz
        self.cat = cat
        self.conn = conn
        self.chaos = chaos          # framing deliberately broken: a timeout is no finding
        self.last = b''             # the last packet(s) sent, for findings
        self.context = []           # what led up to it
        self.got_err = False
        self.switched = False       # the proxy sent an auth switch (it re-checks the password)
        self.trace = []             # every packet of the connection so far (sessions share theirs)
        self.fz.stats.add(cat, 'cases')

    def send(self, data, packets=1, note=None):
        self.last = data
        self.trace.append('%s: %s' % (note or self.cat, hexdump(data, 400)))
        if note:
            self.context.append(note)
        self.fz.stats.add(self.cat, 'packets', packets)
        self.conn.send(data)

    def read(self):
        return self.conn.read_packet()

    def example(self, extra=''):
        ctx = (' after: ' + ' | '.join(self.context[-4:])) if self.context else ''
        return 'worker %d case %d: sent %s%s%s' % (self.w.id, self.w.case_no, hexdump(self.last), ctx,
                                                   ('; ' + extra) if extra else '')

    def ok(self):
        self.fz.stats.add(self.cat, 'ok')

    def err(self, p):
        code, msg = err_of(p)
        self.got_err = True
        self.fz.stats.err(self.cat, code, msg)
        if 2000 <= code <= 2999:
            self.fz.stats.finding('client-range ERR %d' % code, self.cat, msg[:60], self.example(msg))
        if code in BACKEND_LOST:
            # the backend went away while it ran this command: a crashed server? the whole session, in order
            self.fz.stats.finding('backend lost (ERR %d)' % code, self.cat, msg[:70],
                                  'worker %d case %d at %s, ERR %d %s; packets of this connection, newest first: %s'
                                  % (self.w.id, self.w.case_no, time.strftime('%H:%M:%S'), code, msg,
                                     ' || '.join(reversed(self.trace[-25:]))))
        return code

    def finding(self, kind, detail, extra=''):
        self.fz.stats.finding(kind, self.cat, detail, self.example(extra))

    def unexpected(self, why):
        self.fz.stats.add(self.cat, 'unexpected')
        self.finding('unexpected answer', why[:70], why)


# --- the fuzzer ---------------------------------------------------------------------------------

class Fuzzer:
    def __init__(self, args):
        self.host = args.host
        self.port = args.port
        self.args = args
        self.answer_timeout = args.answer_timeout
        self.stats = Stats()
        self.deadline = time.monotonic() + args.time
        self.start = time.monotonic()
        self.stop = threading.Event()
        self.keeper = Keeper(self)
        self.big_lock = threading.Lock()
        self.big_last = 0.0
        self.silent_lock = threading.Lock()
        self.silent_made = 0

    def elapsed(self):
        return time.monotonic() - self.start

    def may_make_silent(self):
        """Silent sockets are spread over the run, at most --silent in all."""
        with self.silent_lock:
            allowed = self.args.silent * min(1.0, (self.elapsed() + 3) / max(1.0, self.args.time))
            if self.silent_made < allowed:
                self.silent_made += 1
                return True
            return False

    def may_send_big(self):
        """At most one 16 MiB command per 15 s (the machine is small)."""
        with self.big_lock:
            now = time.monotonic()
            if now - self.big_last >= 15:
                self.big_last = now
                return True
            return False


class Worker(threading.Thread):
    def __init__(self, fz, wid, seed):
        super().__init__(name='worker-%d' % wid, daemon=True)
        self.fz = fz
        self.id = wid
        self.rng = random.Random(seed * 1000003 + wid)
        self.case_no = 0

    # -- addresses
    def pre_src(self):
        if self.rng.random() < 0.2:
            return '127.0.2.%d' % self.rng.randint(1, 4)
        return '127.1.%d.%d' % (self.rng.randrange(256), self.rng.randint(1, 254))

    def post_src(self):
        return '127.2.%d.%d' % (self.rng.randrange(256), self.rng.randint(1, 254))

    def run(self):
        while time.monotonic() < self.fz.deadline:
            self.case_no += 1
            r = self.rng.random()
            try:
                if r < 0.06 and self.fz.may_make_silent():
                    self.silent_case()
                elif r < 0.40:
                    self.pre_auth_case()
                else:
                    self.session()
            except Exception:  # a bug of the fuzzer: counted, the first ones kept, the worker goes on
                with self.fz.stats.lock:
                    self.fz.stats.bugs += 1
                    if len(self.fz.stats.bug_traces) < 3:
                        self.fz.stats.bug_traces.append(traceback.format_exc())

    # -- guarded execution of one case ---------------------------------------------------------
    def guard(self, case, fn, *a):
        """Runs fn(case, *a); accounts closes and timeouts. Returns True if the connection is usable."""
        try:
            fn(case, *a)
            return True
        except Closed as e:
            self.fz.stats.add(case.cat, 'closed')
            if not case.got_err:
                self.fz.stats.add(case.cat, 'closed_no_err')
            if getattr(case, 'valid', False):
                case.finding('closed after a valid command', str(e)[:40])
        except Timeout as e:
            self.fz.stats.add(case.cat, 'timeouts')
            if not case.chaos:
                case.finding('no answer within %.0f s' % self.fz.answer_timeout, str(e))
        except Desync as e:
            case.unexpected(str(e))
        except Refused as e:
            self.fz.stats.add(case.cat, 'refused')
            if 'connect' in str(e):
                case.finding('connect refused', str(e)[:60])
        return False

    # -- connecting and logging in -------------------------------------------------------------
    def connect(self, case, src, read_greeting=True):
        case.conn = Conn(self.fz, src)
        if not read_greeting:
            return None
        seq, p = case.read()
        if p[:1] == b'\xff':
            code = case.err(p)
            case.conn.close()
            raise Refused('greeting ERR %d' % code)
        return Greeting(p)

    def finish_auth(self, case, password, switch_answer=None):
        """Reads the answer to a handshake response or change user; answers auth switches.
        Returns True on OK, the ERR code on ERR."""
        for _ in range(4):
            seq, p = case.read()
            if not p:
                raise Desync('empty packet during authentication')
            if p[0] == 0x00:
                case.ok()
                return True
            if p[0] == 0xff:
                return case.err(p)
            if p[0] == 0xfe:
                plugin, _, data = p[1:].partition(b'\0')
                if plugin != b'mysql_native_password':
                    raise Desync('auth switch to %r' % plugin)
                scramble = data.rstrip(b'\0')[:20]
                case.conn.scramble = scramble
                case.switched = switch_answer is None
                answer = native_password(password, scramble)
                extra = b''
                if switch_answer is not None:
                    answer, seq_delta, extra = switch_answer(answer)
                else:
                    seq_delta = 1
                case.send(header(len(answer), seq + seq_delta) + answer + extra, note='auth switch answer')
                continue
            raise Desync('packet 0x%02x during authentication' % p[0])
        raise Desync('more than 4 authentication rounds')

    def login(self, case, src=None, db=True, deprecate_eof=None, attrs=None):
        g = self.connect(case, src or self.post_src())
        caps = BASE_CAPS
        if deprecate_eof if deprecate_eof is not None else self.rng.random() < 0.5:
            caps |= DEPRECATE_EOF
        if db:
            caps |= CONNECT_WITH_DB
        if attrs or self.rng.random() < 0.3:
            caps |= CONNECT_ATTRS
        auth = native_password(b'app', g.scramble)
        case.conn.scramble = g.scramble
        case.send(frames(handshake_response(caps, b'app', auth, attrs=attrs), 1), note='login')
        result = self.finish_auth(case, b'app')
        if result is not True:
            if result not in (1129, 1040):
                case.finding('valid login refused', 'ERR %s' % result)
            case.conn.close()
            raise Refused('login ERR %s' % result)
        case.caps = caps
        return g, caps

    # -- pre-auth attacks ----------------------------------------------------------------------
    def pre_auth_case(self):
        kinds = [('pre/connect_close', self.pre_connect_close, 1), ('pre/garbage', self.pre_garbage, 3),
                 ('pre/truncated', self.pre_truncated, 3), ('pre/short_write', self.pre_short_write, 2),
                 ('pre/oversized', self.pre_oversized, 2), ('pre/bad_seq', self.pre_bad_seq, 2),
                 ('pre/mutated', self.pre_mutated, 5), ('pre/bitflip', self.pre_bitflip, 4),
                 ('pre/wrong_password', self.pre_wrong_password, 2), ('pre/auth_switch', self.pre_auth_switch, 4),
                 ('pre/ssl', self.pre_ssl, 3), ('pre/pipelined', self.pre_pipelined, 2),
                 ('pre/zero_len', self.pre_zero_len, 1), ('pre/valid', self.pre_valid, 2)]
        cat, fn, _ = self.rng.choices(kinds, weights=[k[2] for k in kinds])[0]
        case = Case(self, cat)
        try:
            self.guard(case, fn)
        finally:
            if case.conn:
                case.conn.close(rst=self.rng.random() < 0.2)

    def valid_response(self, g, caps=None, user=b'app', password=b'app'):
        caps = caps if caps is not None else BASE_CAPS | CONNECT_WITH_DB | (DEPRECATE_EOF if self.rng.random() < 0.5 else 0)
        return handshake_response(caps, user, native_password(password, g.scramble))

    def expect_refusal_or_login(self, case, password=b'app', may_succeed=True, what=''):
        """After a complete (but possibly malformed) handshake response: ERR, OK or a close."""
        r = self.finish_auth(case, password)
        if r is True:
            if not may_succeed and not case.switched:
                case.finding('login accepted', what, 'the proxy answered OK without asking again')
            self.after_login_probe(case)

    def after_login_probe(self, case):
        """A login that succeeded: is the session usable? (an OK-only statement, whatever the capabilities)"""
        case.send(frames(b'\x03do 1'), note='do 1 after login')
        self.read_simple(case)

    def pre_connect_close(self, case):
        self.connect(case, self.pre_src(), read_greeting=self.rng.random() < 0.5)

    def pre_garbage(self, case):
        framed = self.rng.random() < 0.6
        g = self.connect(case, self.pre_src(), read_greeting=framed or self.rng.random() < 0.8)
        n = self.rng.choice([1, 3, 4, 5, 16, 32, 100, 1000, 4000])
        junk = bytes(self.rng.randrange(256) for _ in range(self.rng.randint(1, n)))
        if framed:  # a well-formed frame holding garbage: must be answered
            case.chaos = len(junk) == 32  # 32 bytes are an SSL request if the SSL bit is set: TLS comes next
            case.send(header(len(junk), 1) + junk)
            self.expect_refusal_or_login(case, may_succeed=False, what='garbage')
        else:  # raw bytes: the frame may be incomplete
            case.chaos = True
            case.send(junk)
            self.drain(case)

    def pre_truncated(self, case):
        g = self.connect(case, self.pre_src())
        full = self.valid_response(g)
        cut = full[:self.rng.randrange(len(full))]
        auth_end = 32 + 4 + 1 + 20  # caps .. filler, 'app\0', the auth length, the scramble response
        case.send(header(len(cut), 1) + cut)
        self.expect_refusal_or_login(case, may_succeed=len(cut) >= auth_end,
                                     what='truncated at %d of %d (inside user/auth)' % (len(cut), len(full)))

    def pre_short_write(self, case):
        g = self.connect(case, self.pre_src())
        full = self.valid_response(g)
        part = full[:self.rng.randrange(len(full))]
        case.send(header(len(full), 1) + part)
        if self.rng.random() < 0.5:
            case.conn.sock.shutdown(socket.SHUT_WR)
            case.chaos = True
            self.drain(case)

    def pre_oversized(self, case):
        case.chaos = False
        g = self.connect(case, self.pre_src())
        n = self.rng.choice([65536 + 1, 70000, 1 << 20, MAX_FRAME - 1, MAX_FRAME])
        if self.rng.random() < 0.5:
            body = bytes(self.rng.randrange(256) for _ in range(min(n, self.rng.choice([0, 10, 1000, 70000]))))
        else:
            body = self.valid_response(g)
        case.send(header(n, 1) + body[:n])
        # the proxy knows from the header alone that this is more than a login may be
        r = self.finish_auth(case, b'app')
        if r is True:
            case.finding('login accepted', 'oversized header %d' % n)

    def pre_bad_seq(self, case):
        g = self.connect(case, self.pre_src())
        seq = self.rng.choice([0, 2, 3, 5, 127, 128, 255])
        body = self.valid_response(g)
        case.send(header(len(body), seq) + body, note='seq %d' % seq)
        r = self.finish_auth(case, b'app')
        if r is True and seq != 1:
            case.finding('login accepted', 'handshake response with sequence id %d' % seq)
            self.after_login_probe(case)

    def pre_mutated(self, case):
        g = self.connect(case, self.pre_src())
        rng = self.rng
        caps = BASE_CAPS | CONNECT_WITH_DB | (DEPRECATE_EOF if rng.random() < 0.5 else 0)
        f = {'caps': caps, 'max_packet': 1 << 24, 'charset': 45, 'filler': bytes(23), 'user': b'app',
             'auth': native_password(b'app', g.scramble), 'db': b'app', 'plugin': b'mysql_native_password',
             'attrs': None}
        touched = set()
        raw_tail = None
        for _ in range(rng.randint(1, 3)):
            field = rng.choice(['caps', 'caps', 'max_packet', 'charset', 'filler', 'user', 'auth', 'auth', 'db',
                                'plugin', 'attrs', 'tail'])
            touched.add(field)
            if field == 'caps':
                f['caps'] ^= 1 << rng.randrange(32) if rng.random() < 0.7 else rng.getrandbits(32)
            elif field == 'max_packet':
                f['max_packet'] = rng.choice(INTERESTING_U32 + [rng.getrandbits(32)])
            elif field == 'charset':
                f['charset'] = rng.randrange(256)
            elif field == 'filler':
                f['filler'] = bytes(rng.randrange(256) for _ in range(23))
            elif field == 'user':
                f['user'] = rng.choice([b'', b'APP', b'app\xff', b'root', b'app' * 30000, b'a' * 300,
                                        b"app' or '1'='1", mutate_bytes(rng, b'app'), b'\xc3\x28', b'monitor'])
            elif field == 'auth':
                f['auth'] = rng.choice([b'', b'\0' * 20, f['auth'][:10], f['auth'] + b'x', mutate_bytes(rng, f['auth']),
                                        bytes(rng.randrange(256) for _ in range(rng.choice([19, 21, 250, 251, 300, 70000])))])
            elif field == 'db':
                f['db'] = rng.choice([b'', b'nope', b'app\0x', b'../app', b'a' * 70000, b'information_schema',
                                      b'`app`', mutate_bytes(rng, b'app'), b'mysql'])
            elif field == 'plugin':
                f['plugin'] = rng.choice([b'', b'caching_sha2_password', b'dialog', b'mysql_clear_password',
                                          b'auth_gssapi_client', b'x' * 1000, mutate_bytes(rng, b'mysql_native_password')])
            elif field == 'attrs':
                f['caps'] |= CONNECT_ATTRS
                f['attrs'] = [(mutate_bytes(rng, b'_client_name'), bytes(rng.randrange(256) for _ in range(rng.randint(0, 300))))
                              for _ in range(rng.randint(0, 5))]
            else:
                raw_tail = rng.choice([b'\xfe' + b'\xff' * 8, b'\xfc\xff\xff', b'\xfb', b'\xff' * 9,
                                       lenenc(1 << 20) + b'x', bytes(rng.randrange(256) for _ in range(9))])
        body = handshake_response(f['caps'], f['user'], f['auth'], f['db'], f['plugin'], f['attrs'],
                                  f['max_packet'], f['charset'], f['filler'])
        if raw_tail:
            body += raw_tail
        if len(body) > MAX_FRAME:
            body = body[:MAX_FRAME - 1]
        case.send(header(len(body), 1) + body, note='mutated ' + ','.join(sorted(touched)))
        if len(body) == 32:
            case.chaos = True  # that is an SSL request if the SSL bit is set: the proxy waits for a TLS hello
        auth_changed = f['user'] != b'app' or f['auth'] != native_password(b'app', g.scramble)
        if f['user'] == b'app' and 'auth' in touched and f['auth'] == b'':
            auth_changed = True
        r = self.finish_auth(case, b'app')
        if r is True:
            if auth_changed and not case.switched:
                case.finding('login accepted', 'mutated user/auth: user=%r auth=%s' % (f['user'][:20], f['auth'][:24].hex()))
            self.after_login_probe(case)

    def pre_bitflip(self, case):
        g = self.connect(case, self.pre_src())
        body = mutate_bytes(self.rng, self.valid_response(g))
        case.send(header(len(body), 1) + body, note='bitflipped response')
        r = self.finish_auth(case, b'app')
        if r is True:
            self.after_login_probe(case)

    def pre_wrong_password(self, case):
        g = self.connect(case, self.pre_src())
        user, pw = self.rng.choice([(b'app', b'wrong'), (b'app', b''), (b'nobody', b'app'), (b'root', b''),
                                    (b'monitor', b'monitor'), (b'app', b'APP'), (b'repl', b'repl')])
        body = self.valid_response(g, user=user, password=pw)
        case.send(header(len(body), 1) + body, note='user %r password %r' % (user, pw))
        r = self.finish_auth(case, pw)
        if r is True:
            case.finding('login accepted', 'user %r password %r' % (user, pw))

    def pre_auth_switch(self, case):
        """Asks for another plugin so that the proxy switches to mysql_native_password, then answers
        the switch request with something mutated."""
        g = self.connect(case, self.pre_src())
        rng = self.rng
        plugin = rng.choice([b'caching_sha2_password', b'dialog', b'mysql_old_password', b'sha256_password', b'x'])
        auth = rng.choice([b'', bytes(rng.randrange(256) for _ in range(32)), b'\x01'])
        body = handshake_response(BASE_CAPS | CONNECT_WITH_DB, b'app', auth, plugin=plugin)
        case.send(header(len(body), 1) + body, note='plugin %r' % plugin)
        mode = rng.choice(['valid', 'empty', 'short', 'long', 'huge', 'garbage', 'bad_seq', 'wrong', 'two'])
        wrong = mode not in ('valid',)

        def answer(correct):
            if mode == 'valid':
                return correct, 1, b''
            if mode == 'empty':
                return b'', 1, b''
            if mode == 'short':
                return correct[:rng.randint(1, 19)], 1, b''
            if mode == 'long':
                return correct + bytes(rng.randrange(256) for _ in range(rng.randint(1, 300))), 1, b''
            if mode == 'huge':
                return b'\x01' * 70000, 1, b''
            if mode == 'garbage':
                return bytes(rng.randrange(256) for _ in range(20)), 1, b''
            if mode == 'bad_seq':
                return correct, rng.choice([0, 2, 3, 200]), b''
            if mode == 'two':
                return correct, 1, header(len(correct), 4) + correct  # a second answer right behind it
            return native_password(b'wrong', b'x' * 20), 1, b''
        case.context.append('switch answer ' + mode)
        r = self.finish_auth(case, b'app', switch_answer=answer)
        if r is True:
            if wrong and mode != 'two':
                case.finding('login accepted', 'auth switch answered %s' % mode)
            else:
                self.after_login_probe(case)
        elif mode == 'valid' and r not in (1129,):
            case.finding('valid login refused', 'after auth switch: ERR %s' % r)

    def pre_ssl(self, case):
        g = self.connect(case, self.pre_src())
        rng = self.rng
        caps = BASE_CAPS | SSL_CAP | CONNECT_WITH_DB
        ssl_request = struct.pack('<IIB', caps, 1 << 24, 45) + bytes(23)
        mode = rng.choice(['tls_valid', 'tls_valid', 'tls_garbage', 'plain_response', 'garbage', 'bad_len',
                           'no_ssl_cap', 'tls_bad_seq', 'twice'])
        case.context.append('ssl ' + mode)
        if mode == 'bad_len':
            req = ssl_request + bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
            case.send(header(len(req), 1) + req)
            return self.expect_refusal_or_login(case, may_succeed=False, what='ssl request with extra bytes')
        if mode == 'no_ssl_cap':
            req = struct.pack('<IIB', BASE_CAPS, 1 << 24, 45) + bytes(23)
            case.send(header(len(req), 1) + req)
            return self.expect_refusal_or_login(case, may_succeed=False, what='32-byte response without SSL')
        case.send(header(len(ssl_request), 1) + ssl_request, note='SSL request')
        if mode == 'plain_response':
            case.chaos = True
            body = self.valid_response(g)
            case.send(header(len(body), 2) + body)
            return self.drain(case)
        if mode == 'garbage':
            case.chaos = True
            case.send(bytes(rng.randrange(256) for _ in range(rng.randint(1, 600))))
            return self.drain(case)
        if mode == 'twice':
            case.chaos = True
            case.send(header(len(ssl_request), 2) + ssl_request)
            return self.drain(case)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        try:
            case.conn.sock = ctx.wrap_socket(case.conn.sock, server_hostname='localhost')
        except socket.timeout:
            raise Timeout('TLS handshake')
        except (ssl.SSLError, OSError) as e:
            raise Closed('TLS handshake: %s' % e)
        if mode == 'tls_garbage':
            junk = mutate_bytes(rng, self.valid_response(g))
            case.send(header(len(junk), 2) + junk)
            r = self.finish_auth(case, b'app')
            if r is True:
                self.after_login_probe(case)
            return
        body = self.valid_response(g, caps=BASE_CAPS | SSL_CAP | CONNECT_WITH_DB)
        seq = 2 if mode == 'tls_valid' else rng.choice([1, 3, 0])
        case.send(header(len(body), seq) + body)
        r = self.finish_auth(case, b'app')
        if mode == 'tls_valid':
            if r is True:
                self.after_login_probe(case)
            elif r != 1129:
                case.finding('valid login refused', 'over TLS: ERR %s' % r)
        elif r is True:
            case.finding('login accepted', 'over TLS with sequence id %d' % seq)

    def pre_pipelined(self, case):
        g = self.connect(case, self.pre_src())
        caps = BASE_CAPS | CONNECT_WITH_DB | DEPRECATE_EOF
        body = handshake_response(caps, b'app', native_password(b'app', g.scramble))
        extra = frames(b'\x03select 1') + frames(b'\x0e')
        case.send(header(len(body), 1) + body + extra, packets=3, note='login + query + ping at once')
        r = self.finish_auth(case, b'app')
        if r is True:
            self.read_result(case, True)
            self.read_simple(case)
        elif r != 1129:
            case.finding('valid login refused', 'with pipelined commands: ERR %s' % r)

    def pre_zero_len(self, case):
        self.connect(case, self.pre_src())
        case.send(header(0, 1))
        self.expect_refusal_or_login(case, may_succeed=False, what='empty handshake response')

    def pre_valid(self, case):
        case.valid = True
        self.login(case, src=self.pre_src() if self.rng.random() < 0.3 else self.post_src(),
                   db=self.rng.random() < 0.7)
        self.after_login_probe(case)
        case.send(frames(b'\x01'), note='quit')

    def drain(self, case, quiet=1.0):
        """Reads whatever comes (ERR codes counted) until the proxy closes or is quiet for a moment."""
        case.conn.sock.settimeout(quiet)
        try:
            while True:
                seq, p = case.read()
                if p[:1] == b'\xff':
                    case.err(p)
                elif p[:1] == b'\x00':
                    case.ok()
        except Timeout:
            self.fz.stats.add(case.cat, 'quiet')  # waiting for more bytes: allowed after broken framing
        finally:
            try:
                case.conn.sock.settimeout(self.fz.answer_timeout)
            except OSError:
                pass

    # -- reading answers -----------------------------------------------------------------------
    def read_simple(self, case):
        """One OK, EOF or ERR packet."""
        seq, p = case.read()
        if p[:1] == b'\xff':
            return case.err(p)
        if p[:1] in (b'\x00', b'\xfe'):
            case.ok()
            return True
        raise Desync('expected OK/ERR, got %s' % hexdump(p, 24))

    def read_result(self, case, deprecate_eof, binary=False, cursor=False):
        """The answer to COM_QUERY / COM_STMT_EXECUTE: OK, ERR or result sets (all of them).
        cursor: an execution that asked for a cursor (only then may the status after the column
        definitions say CURSOR_EXISTS and end the answer). Returns ('ok'|'err'|'cursor', code)."""
        if deprecate_eof is None:
            deprecate_eof = bool(getattr(case, 'caps', 0) & DEPRECATE_EOF)
        while True:
            seq, p = case.read()
            if not p:
                raise Desync('empty packet as a result')
            h = p[0]
            if h == 0xff:
                return 'err', case.err(p)
            if h == 0x00 or (h == 0xfe and len(p) < 9):
                status = self.status_of(p)
                if status & MORE_RESULTS:
                    continue
                case.ok()
                return 'ok', 0
            if h == 0xfb:
                case.send(header(0, seq + 1), note='empty LOCAL INFILE answer')
                continue
            ncols, _ = read_lenenc(p, 0)
            if ncols == 0 or ncols > 4096:
                raise Desync('column count %d' % ncols)
            for _ in range(ncols):
                seq, c = case.read()
                if c[:1] == b'\xff':
                    return 'err', case.err(c)
            if not deprecate_eof:
                seq, e = case.read()
                if not (e[:1] == b'\xfe' and len(e) < 9):
                    raise Desync('expected EOF after columns, got %s' % hexdump(e, 16))
                if self.status_of(e) & CURSOR_EXISTS:
                    if cursor:
                        case.ok()
                        return 'cursor', 0
                    self.stale_cursor_flag(case, e)
            status = self.read_rows(case)
            if status is None:
                return 'err', case.last_err
            if status & CURSOR_EXISTS:
                if cursor:
                    case.ok()
                    return 'cursor', 0
                self.stale_cursor_flag(case, None)
            if status & MORE_RESULTS:
                continue
            case.ok()
            return 'ok', 0

    def stale_cursor_flag(self, case, eof):
        """SERVER_STATUS_CURSOR_EXISTS on the answer to a command that opened no cursor: a client that
        trusts it stops reading after the column definitions and loses the protocol's thread."""
        case.fz.stats.add(case.cat, 'unexpected')
        case.finding('unexpected answer', 'SERVER_STATUS_CURSOR_EXISTS (0x40) in the status of a result that opened no cursor',
                     'status packet %s' % (hexdump(eof, 16) if eof else 'at the end of the rows'))

    def read_rows(self, case):
        """Rows until EOF/OK (returns its status) or ERR (returns None)."""
        n = 0
        while True:
            seq, p = case.read()
            if p[:1] == b'\xfe' and len(p) < MAX_FRAME:
                return self.status_of(p)
            if p[:1] == b'\xff':
                case.last_err = case.err(p)
                return None
            n += 1
            if n > 1000000:
                raise Desync('more than a million rows')

    @staticmethod
    def status_of(p):
        if p[0] == 0xfe and len(p) < 9:
            return struct.unpack_from('<H', p, 3)[0] if len(p) >= 5 else 0
        # OK packet: header, affected rows, last insert id, status
        try:
            _, i = read_lenenc(p, 1)
            _, i = read_lenenc(p, i)
        except (Desync, struct.error):
            raise Desync('malformed OK packet %s' % hexdump(p, 32))
        return struct.unpack_from('<H', p, i)[0] if len(p) >= i + 2 else 0

    def read_prepare(self, case, deprecate_eof):
        seq, p = case.read()
        if p[:1] == b'\xff':
            return None, case.err(p)
        if p[:1] != b'\x00' or len(p) < 12:
            raise Desync('prepare answered %s' % hexdump(p, 24))
        stmt_id, ncols, nparams = struct.unpack_from('<IHH', p, 1)
        for count in (nparams, ncols):
            if count:
                for _ in range(count):
                    case.read()
                if not deprecate_eof:
                    seq, e = case.read()
                    if e[:1] != b'\xfe':
                        raise Desync('expected EOF after prepare definitions, got %s' % hexdump(e, 16))
        case.ok()
        return (stmt_id, nparams, ncols), 0

    def sync(self, case):
        """COM_PING after a command with no answer (or after an ERR): the next answer must be its OK."""
        case.send(frames(b'\x0e'), note='ping')
        seq, p = case.read()
        if p[:1] == b'\x00':
            return True
        if p[:1] == b'\xff':
            code = case.err(p)
            # the ping's own answer, or one for the command before it (which has none)? An OK right
            # behind it tells.
            case.conn.sock.settimeout(0.5)
            try:
                seq, p = case.read()
            except Timeout:
                return False
            finally:
                case.conn.sock.settimeout(self.fz.answer_timeout)
            if p[:1] == b'\x00':
                case.unexpected('ERR %d to a command that has no answer (then the OK of a COM_PING)' % code)
                return True
            raise Desync('after ERR %d to a ping: %s' % (code, hexdump(p, 24)))
        raise Desync('ping answered %s' % hexdump(p, 24))

    # -- post-auth sessions --------------------------------------------------------------------
    def session(self):
        case = Case(self, 'post/login')
        case.valid = True
        if not self.guard(case, lambda c: self.login(c)):
            if case.conn:
                case.conn.close()
            return
        s = Session(self, case.conn, case.caps)
        s.trace.extend(case.trace)
        ops = [(self.op_query_valid, 10), (self.op_query_mutated, 4), (self.op_kill_text, 1),
               (self.op_prepare, 6), (self.op_execute_valid, 6), (self.op_execute_mutated, 12),
               (self.op_long_data, 3), (self.op_fetch, 3), (self.op_stmt_reset, 2), (self.op_stmt_close, 2),
               (self.op_field_list, 2), (self.op_set_option, 2), (self.op_process_kill, 1),
               (self.op_change_user, 2), (self.op_unknown, 2), (self.op_empty, 1), (self.op_bad_seq, 1),
               (self.op_simple, 3), (self.op_pipelined, 2), (self.op_bad_length, 1), (self.op_big, 1)]
        fns = [o[0] for o in ops]
        weights = [o[1] for o in ops]
        alive = True
        for _ in range(self.rng.randint(3, 40)):
            if time.monotonic() >= self.fz.deadline:
                break
            fn = self.rng.choices(fns, weights=weights)[0]
            alive = fn(s)
            if not alive:
                break
        if alive:
            end = self.rng.random()
            if end < 0.1:
                self.op_abandon(s)
            elif end < 0.2:
                s.conn.close(rst=True)
            else:
                try:
                    s.conn.send(frames(b'\x01'))
                except (Closed, Timeout):
                    pass
        s.conn.close()

    def run_op(self, s, cat, fn, valid=False, chaos=False):
        case = Case(self, cat, s.conn, chaos=chaos)
        case.caps = s.caps
        case.valid = valid
        case.context = list(s.notes[-3:])
        case.trace = s.trace
        ok = self.guard(case, fn)
        s.notes.append('%s %s' % (cat, case.last[:24].hex()))
        del s.trace[:-40]
        return ok

    def op_query_valid(self, s):
        sql = self.rng.choice(VALID_QUERIES)

        def fn(case):
            case.send(frames(b'\x03' + sql.encode()), note=sql)
            self.read_result(case, None)
        return self.run_op(s, 'post/query_valid', fn, valid=True)

    def op_query_mutated(self, s):
        sql = mutate_bytes(self.rng, self.rng.choice(MUTATION_BASE).encode())
        if b'drop' in sql.lower() and b'temporary' not in sql.lower():
            sql = b'select 1'

        def fn(case):
            case.send(frames(b'\x03' + sql), note='mutated sql')
            kind, code = self.read_result(case, None)
            if kind == 'err':
                self.sync(case)
        return self.run_op(s, 'post/query_mutated', fn)

    def op_kill_text(self, s):
        sql = self.rng.choice(KILL_QUERIES)

        def fn(case):
            case.send(frames(b'\x03' + sql.encode()), note=sql)
            kind, code = self.read_result(case, None)
            if kind == 'err':
                self.sync(case)
        return self.run_op(s, 'post/kill_text', fn)

    def op_prepare(self, s):
        rng = self.rng
        sql = rng.choice(PREPARE_SQL).encode()
        if rng.random() < 0.2:
            sql = mutate_bytes(rng, sql)
            if b'drop' in sql.lower():
                sql = b'select ?'

        def fn(case):
            case.send(frames(b'\x16' + sql), note='prepare %r' % sql[:40])
            stmt, code = self.read_prepare(case, bool(s.caps & DEPRECATE_EOF))
            if stmt:
                s.stmts[stmt[0]] = {'params': stmt[1], 'cols': stmt[2], 'types': None, 'sql': sql}
            else:
                self.sync(case)
        return self.run_op(s, 'post/prepare', fn)

    def ensure_stmt(self, s):
        if not s.stmts and not self.op_prepare(s):
            s.conn_alive = False
            return None
        if not s.stmts:
            return None
        sid = self.rng.choice(list(s.stmts))
        return sid, s.stmts[sid]

    def value_for(self, t, rng):
        if t == 0x01:
            return bytes([rng.randrange(256)])
        if t in (0x02, 0x0d):
            return struct.pack('<H', rng.randrange(1 << 16))
        if t in (0x03, 0x09):
            return struct.pack('<I', rng.getrandbits(32))
        if t == 0x04:
            return struct.pack('<f', rng.random())
        if t == 0x05:
            return struct.pack('<d', rng.random() * 1e6)
        if t == 0x08:
            return struct.pack('<Q', rng.getrandbits(64))
        if t == 0x06:
            return b''
        if t in (0x07, 0x0a, 0x0c):
            return rng.choice([b'\x00', b'\x04' + struct.pack('<HBB', 2024, 5, 17),
                               b'\x07' + struct.pack('<HBBBBB', 2024, 5, 17, 12, 30, 1),
                               b'\x0b' + struct.pack('<HBBBBBI', 2024, 5, 17, 12, 30, 1, 999)])
        if t == 0x0b:
            return rng.choice([b'\x00', b'\x08' + struct.pack('<BIBBB', 0, 1, 2, 3, 4)])
        data = rng.choice([b'', b'abc', b'x' * 300, bytes(rng.randrange(256) for _ in range(rng.randint(0, 40))), b'12.5'])
        return lenenc_str(data)

    def execute_packet(self, sid, nparams, types, values, flags=0, iters=1, nulls=None, bound=1, known_types=None):
        p = bytearray(b'\x17' + struct.pack('<IBI', sid & 0xffffffff, flags & 0xff, iters & 0xffffffff))
        if nparams:
            bitmap = bytearray((nparams + 7) // 8)
            for i, v in enumerate((nulls or [])[:nparams]):
                if v:
                    bitmap[i // 8] |= 1 << (i % 8)
            p += bitmap + bytes([bound & 0xff])
            if bound == 1:
                for t, f in types:
                    p += bytes([t & 0xff, f & 0xff])
            for i, v in enumerate(values):
                if not (nulls and i < len(nulls) and nulls[i]):
                    p += v
        return bytes(p)

    def valid_execute(self, sid, st, cursor=False):
        rng = self.rng
        n = st['params']
        fresh = st['types'] is None or rng.random() < 0.5
        if self.fz.args.avoid_known_crashes:
            fresh = True  # see --avoid-known-crashes
        st['long_data'] = False
        if fresh:
            types = [(rng.choice([0x08, 0x03, 0xfd, 0xfe, 0x05, 0x06, 0x0c, 0x01, 0xfc, 0x0f, 0xf6]),
                      rng.choice([0, 0, 0x80])) for _ in range(n)]
        else:
            types = st['types']
        nulls = [rng.random() < 0.15 for _ in range(n)]
        values = [self.value_for(t, rng) for t, f in types]
        if fresh:
            st['types'] = types
        return self.execute_packet(sid, n, types, values, flags=1 if cursor else 0, nulls=nulls, bound=1 if fresh else 0)

    def op_execute_valid(self, s):
        got = self.ensure_stmt(s)
        if not got:
            return s.conn_alive
        sid, st = got
        cursor = st['cols'] > 0 and self.rng.random() < 0.3
        pkt = self.valid_execute(sid, st, cursor)

        def fn(case):
            case.send(frames(pkt), note='execute %r' % st['sql'][:30])
            kind, code = self.read_result(case, None, binary=True, cursor=cursor)
            if kind == 'cursor':
                st['cursor'] = True
            if kind == 'err':
                self.sync(case)
        return self.run_op(s, 'post/execute_valid', fn)

    def op_execute_mutated(self, s):
        rng = self.rng
        got = self.ensure_stmt(s)
        if not got:
            return s.conn_alive
        sid, st = got
        n = st['params']
        types = [(rng.choice([0x08, 0x03, 0xfd, 0xfe, 0x05, 0x0c]), 0) for _ in range(n)]
        values = [self.value_for(t, rng) for t, f in types]
        flags, iters, nulls, bound = 0, 1, [False] * n, 1
        tail = b''
        cut = None
        bitmap_override = None
        what = []
        for _ in range(rng.randint(1, 3)):
            m = rng.choice(['flags', 'iters', 'id', 'nulls', 'bound', 'type', 'typeflag', 'value_len', 'value_trunc',
                            'truncate', 'trailing', 'nparams', 'bitmap_len', 'long_value'])
            what.append(m)
            if m == 'flags':
                flags = rng.choice([0x01, 0x02, 0x04, 0x08, 0x07, 0x80, 0xff, rng.randrange(256)])
            elif m == 'iters':
                iters = rng.choice([0, 2, 100, 0xffffffff, rng.getrandbits(32)])
            elif m == 'id':
                sid = rng.choice([0, 0xffffffff, sid + 1, sid - 1, rng.getrandbits(32), rng.randint(1, 50)] +
                                 list(s.closed_ids[-3:]))
            elif m == 'nulls':
                nulls = [rng.random() < 0.5 for _ in range(len(types))]
            elif m == 'bound':
                bound = rng.choice([0, 0, 2, 0xff, rng.randrange(256)])
            elif m == 'type' and types:
                i = rng.randrange(len(types))
                types[i] = (rng.choice([rng.randrange(256), 0x0e, 0x11, 0x12, 0x13, 0xf4, 0xf5, 0xff, 0x14, 0xf0]), types[i][1])
                values[i] = self.value_for(types[i][0], rng)
            elif m == 'typeflag' and types:
                i = rng.randrange(len(types))
                types[i] = (types[i][0], rng.choice([0x01, 0x40, 0x7f, 0xff, rng.randrange(256)]))
            elif m == 'value_len' and types:
                i = rng.randrange(len(types))
                types[i] = (0xfd, 0)
                values[i] = rng.choice([b'\xfc\xff\xff' + b'ab', b'\xfd\xff\xff\xff' + b'abc', b'\xfe' + b'\xff' * 8 + b'x',
                                        b'\xfe' + struct.pack('<Q', 1 << 62), b'\xfb', b'\xff', b'\xfa' + b'x' * 10,
                                        lenenc(rng.randint(100, 100000)) + b'short'])
            elif m == 'value_trunc' and types:
                i = rng.randrange(len(types))
                types[i] = (rng.choice([0x08, 0x05, 0x0c, 0x0b, 0x03]), 0)
                values[i] = rng.choice([b'', b'\x01', b'\x0b\x01', b'\xff' + b'x' * 3])
            elif m == 'truncate':
                cut = rng.randint(1, 30)
            elif m == 'trailing':
                tail = bytes(rng.randrange(256) for _ in range(rng.randint(1, 200)))
            elif m == 'nparams':
                k = max(0, n + rng.choice([-1, 1, 5]))
                types = [(0x08, 0)] * k
                values = [struct.pack('<Q', 7)] * k
                nulls = [False] * k
            elif m == 'bitmap_len':
                bitmap_override = bytes(rng.randrange(256) for _ in range(rng.choice([0, 1, 5])))
            elif m == 'long_value' and types:
                i = rng.randrange(len(types))
                types[i] = (0xfc, 0)
                values[i] = lenenc_str(b'z' * rng.choice([250, 251, 65535, 65536, 200000]))
        target = s.stmts.get(sid, {})
        if self.fz.args.avoid_known_crashes and bound == 0:
            bound = 1  # see --avoid-known-crashes
        target['long_data'] = False
        pkt = self.execute_packet(sid, max(n, len(types)) if 'nparams' not in what else len(types), types, values,
                                  flags, iters, nulls, bound)
        if bitmap_override is not None and n:
            blen = (len(types) + 7) // 8
            pkt = pkt[:10] + bitmap_override + pkt[10 + blen:]
        pkt += tail
        if cut is not None:
            pkt = pkt[:min(len(pkt), cut)]
        note = 'execute mutated %s' % ','.join(what)

        def fn(case):
            case.send(frames(pkt), note=note)
            kind, code = self.read_result(case, None, binary=True, cursor=pkt[5:6] not in (b'', b'\x00'))
            if kind == 'err':
                self.sync(case)
            elif kind == 'cursor':
                st['cursor'] = True
        return self.run_op(s, 'post/execute_mutated', fn)

    def op_long_data(self, s):
        rng = self.rng
        got = self.ensure_stmt(s)
        if not got:
            return s.conn_alive
        sid, st = got
        pid = rng.choice([0, 1, 2, st['params'], st['params'] - 1, 0xffff, rng.randrange(1 << 16)]) & 0xffff
        if rng.random() < 0.25:
            sid = rng.choice([0, 0xffffffff, rng.getrandbits(32)])
        data = bytes(rng.randrange(256) for _ in range(rng.choice([0, 1, 100, 5000])))
        pkt = b'\x18' + struct.pack('<IH', sid, pid) + data
        if rng.random() < 0.15:
            pkt = pkt[:rng.randint(1, 6)]
        execute_after = rng.random() < 0.5 and sid in s.stmts
        if sid in s.stmts and len(pkt) >= 7 and pid < st['params']:
            st['long_data'] = True  # relayed by the proxy: the next execution runs as sent, on the master

        def fn(case):
            case.send(frames(pkt), note='long data id %d param %d' % (sid, pid))
            self.sync(case)
            if execute_after:
                case.send(frames(self.valid_execute(sid, s.stmts[sid])), note='execute after long data')
                kind, code = self.read_result(case, None, binary=True)
                if kind == 'err':
                    self.sync(case)
        return self.run_op(s, 'post/long_data', fn)

    def op_fetch(self, s):
        rng = self.rng
        cursors = [i for i, st in s.stmts.items() if st.get('cursor')]
        sid = rng.choice(cursors) if cursors and rng.random() < 0.7 else \
            rng.choice(list(s.stmts) + [0, 0xffffffff, rng.getrandbits(32)])
        rows = rng.choice([0, 1, 5, 0xffffffff, rng.getrandbits(32)])
        pkt = b'\x1c' + struct.pack('<II', sid, rows)
        if rng.random() < 0.15:
            pkt = pkt[:rng.randint(1, 8)]

        def fn(case):
            case.send(frames(pkt), note='fetch id %d rows %d' % (sid, rows))
            seq, p = case.read()
            if p[:1] == b'\xff':
                case.err(p)
                return self.sync(case)
            case.conn.buf[0:0] = header(len(p), seq) + p  # a row or the EOF: read them as rows
            status = self.read_rows(case)
            if status is not None:
                case.ok()
        return self.run_op(s, 'post/fetch', fn)

    def op_stmt_reset(self, s):
        rng = self.rng
        sid = rng.choice(list(s.stmts) + [0, 0xffffffff, rng.getrandbits(32)])
        pkt = b'\x1a' + struct.pack('<I', sid)
        if rng.random() < 0.2:
            pkt = rng.choice([pkt[:rng.randint(1, 4)], pkt + b'\x00' * rng.randint(1, 8)])

        def fn(case):
            case.send(frames(pkt), note='reset id %d' % sid)
            r = self.read_simple(case)
            if r is not True:
                self.sync(case)
            elif sid in s.stmts:
                s.stmts[sid]['cursor'] = False
                s.stmts[sid]['long_data'] = False
        return self.run_op(s, 'post/stmt_reset', fn)

    def op_stmt_close(self, s):
        rng = self.rng
        sid = rng.choice(list(s.stmts) + [0, 0xffffffff, rng.getrandbits(32)] + s.closed_ids[-2:])
        pkt = b'\x19' + struct.pack('<I', sid)
        if rng.random() < 0.15:
            pkt = pkt[:rng.randint(1, 4)]
        if sid in s.stmts and len(pkt) == 5:
            s.stmts.pop(sid)
            s.closed_ids.append(sid)

        def fn(case):
            case.send(frames(pkt), note='close id %d' % sid)
            self.sync(case)
        return self.run_op(s, 'post/stmt_close', fn)

    def op_field_list(self, s):
        rng = self.rng
        table = rng.choice([b'fuzz', b'nope', b'', b'%', b'../fuzz', b'f' * 70000, mutate_bytes(rng, b'fuzz'),
                            b'fuzz\0%', b'information_schema.tables'])
        pkt = b'\x04' + table + (b'\0' if rng.random() < 0.8 else b'') + rng.choice([b'', b'%', b'v%', b'\xff' * 3])

        def fn(case):
            case.send(frames(pkt), note='field list %r' % table[:20])
            deprecate = bool(s.caps & DEPRECATE_EOF)
            for _ in range(10000):
                seq, p = case.read()
                if p[:1] == b'\xff':
                    case.err(p)
                    return self.sync(case)
                if p[:1] == b'\xfe' and len(p) < MAX_FRAME:
                    case.ok()
                    return
            raise Desync('field list without an end')
        return self.run_op(s, 'post/field_list', fn)

    def op_set_option(self, s):
        rng = self.rng
        body = rng.choice([b'\x00\x00', b'\x01\x00', b'\x02\x00', b'\xff\xff', b'', b'\x00', b'\x00\x00\x00',
                           struct.pack('<H', rng.randrange(1 << 16))])

        def fn(case):
            case.send(frames(b'\x1b' + body), note='set option %s' % body.hex())
            r = self.read_simple(case)
            if r is not True:
                self.sync(case)
        return self.run_op(s, 'post/set_option', fn)

    def op_process_kill(self, s):
        rng = self.rng
        ident = rng.randint(10 ** 9 + 1, 0xffffffff)
        body = rng.choice([struct.pack('<I', ident), struct.pack('<I', ident) + b'\xff' * rng.randint(1, 8),
                           b'\xff' * rng.randint(0, 3)])

        def fn(case):
            case.send(frames(b'\x0c' + body), note='process kill %s' % body.hex())
            r = self.read_simple(case)
            if r is not True:
                self.sync(case)
        return self.run_op(s, 'post/process_kill', fn)

    def op_change_user(self, s):
        rng = self.rng
        scramble = getattr(s.conn, 'scramble', b'')
        user, pw, db = b'app', b'app', b'app'
        mode = rng.choice(['valid', 'valid', 'wrong_password', 'unknown_user', 'truncated', 'auth_len', 'no_nul',
                           'huge_user', 'charset', 'plugin', 'attrs', 'bitflip', 'bad_db'])
        if mode == 'wrong_password':
            pw = b'nope'
        elif mode == 'unknown_user':
            user = rng.choice([b'nobody', b'root', b'monitor', b'APP'])
        elif mode == 'huge_user':
            user = b'u' * rng.choice([300, 70000])
        elif mode == 'bad_db':
            db = rng.choice([b'nope', b'a' * 1000, b'mysql'])
        auth = native_password(pw, scramble)
        body = b'\x11' + user + b'\0' + bytes([len(auth)]) + auth + db + b'\0' + struct.pack('<H', 45)
        body += b'mysql_native_password\0'
        if mode == 'charset':
            body = body[:-24] + struct.pack('<H', rng.randrange(1 << 16)) + b'mysql_native_password\0'
        elif mode == 'plugin':
            body = body[:-22] + rng.choice([b'caching_sha2_password\0', b'dialog\0', b'', b'x' * 300])
        elif mode == 'attrs':
            body += rng.choice([b'\xfc\xff\xff', lenenc(50) + b'\x05abc', b'\xfe' + b'\xff' * 8, b'\x00'])
        elif mode == 'truncated':
            body = body[:rng.randint(1, len(body) - 1)]
        elif mode == 'auth_len':
            i = 1 + len(user) + 1
            body = body[:i] + bytes([rng.choice([0, 1, 19, 21, 200, 255])]) + body[i + 1:]
        elif mode == 'no_nul':
            body = b'\x11' + user
        elif mode == 'bitflip':
            body = b'\x11' + mutate_bytes(rng, body[1:])
        valid = mode == 'valid'

        def fn(case):
            case.send(frames(body), note='change user %s' % mode)
            r = self.finish_auth(case, pw)
            if r is True:
                s.stmts.clear()
                if mode in ('wrong_password', 'unknown_user'):
                    case.finding('login accepted', 'COM_CHANGE_USER %s' % mode)
                self.sync(case)
            else:
                if valid and r != 1129:
                    case.finding('valid change user refused', 'ERR %s' % r)
                s.stmts.clear()
                self.sync(case)  # a server closes after a failed change user; counted as closed here
        ok = self.run_op(s, 'post/change_user', fn, valid=False)
        return ok

    def op_unknown(self, s):
        rng = self.rng
        cmd = rng.choice(UNKNOWN_COMMANDS)
        body = bytes([cmd]) + bytes(rng.randrange(256) for _ in range(rng.choice([0, 0, 4, 100])))

        def fn(case):
            case.send(frames(body), note='command 0x%02x' % cmd)
            r = self.read_simple(case)
            if r is True:
                case.unexpected('OK to unknown command 0x%02x' % cmd)
            else:
                self.sync(case)
        return self.run_op(s, 'post/unknown_cmd', fn)

    def op_empty(self, s):
        def fn(case):
            case.send(header(0, 0), note='empty packet')
            r = self.read_simple(case)
            self.sync(case)
        return self.run_op(s, 'post/empty_packet', fn)

    def op_bad_seq(self, s):
        rng = self.rng
        seq = rng.choice([1, 2, 5, 128, 255])
        body = rng.choice([b'\x0e', b'\x03select 1'])

        def fn(case):
            case.send(frames(body, seq), note='seq %d' % seq)
            seq2, p = case.read()
            if p[:1] == b'\xff':
                case.err(p)
                self.sync(case)
                return
            case.conn.buf[0:0] = header(len(p), seq2) + p
            self.read_result(case, None)
        return self.run_op(s, 'post/bad_seq', fn)

    def op_simple(self, s):
        rng = self.rng
        body = rng.choice([b'\x0e', b'\x09', b'\x02app', b'\x02nope', b'\x02', b'\x1f', b'\x0a', b'\x02' + b'd' * 300])

        def fn(case):
            case.send(frames(body), note='command 0x%02x' % body[0])
            if body[0] == COM_STATISTICS:
                seq, p = case.read()   # a plain text string
                if p[:1] == b'\xff':
                    case.err(p)
                else:
                    case.ok()
            elif body[0] == COM_PROCESS_INFO:
                self.read_result(case, None)
            else:
                r = self.read_simple(case)
                if r is True and body[0] == COM_RESET_CONNECTION:
                    s.stmts.clear()
                if r is not True:
                    self.sync(case)
        return self.run_op(s, 'post/simple_cmds', fn, valid=body in (b'\x0e', b'\x09', b'\x02app', b'\x1f'))

    def op_pipelined(self, s):
        rng = self.rng
        items = []
        for _ in range(rng.randint(2, 6)):
            k = rng.choice(['query', 'ping', 'execute'])
            if k == 'execute' and s.stmts:
                sid = rng.choice(list(s.stmts))
                items.append(('execute', self.valid_execute(sid, s.stmts[sid])))
            elif k == 'query':
                items.append(('query', b'\x03' + rng.choice(['select 1', 'select sleep(0.01)', 'do 1', 'select @a']).encode()))
            else:
                items.append(('ping', b'\x0e'))
        data = b''.join(frames(b) for _, b in items)

        def fn(case):
            case.send(data, packets=len(items), note='pipelined ' + ','.join(k for k, _ in items))
            for k, _ in items:
                if k == 'ping':
                    self.read_simple(case)
                else:
                    self.read_result(case, None, binary=k == 'execute')
        return self.run_op(s, 'post/pipelined', fn, valid=True)

    def op_bad_length(self, s):
        """A header that does not match the payload: the proxy sees garbage frames afterwards."""
        rng = self.rng
        body = b'\x03select 1 + 1'
        n = rng.choice([1, 2, len(body) - 1, len(body) + 3])
        data = header(n, 0) + body + frames(b'\x0e')

        def fn(case):
            case.send(data, note='header says %d, payload has %d' % (n, len(body)))
            self.drain(case)
        ok = self.run_op(s, 'post/bad_length', fn, chaos=True)
        s.conn.close()
        return False  # framing is lost: this connection is done

    def op_big(self, s):
        """A 16 MiB+ COM_QUERY (two frames), or a multi-frame command that goes wrong."""
        rng = self.rng
        if not self.fz.may_send_big():
            return self.op_query_valid(s)
        mode = rng.choice(['valid', 'bad_seq', 'abort'])
        fill = MAX_FRAME + rng.randint(0, 2000)
        sql = b"select length('" + b'a' * fill + b"')"

        def fn(case):
            case.conn.sock.settimeout(max(30, self.fz.answer_timeout))  # 16 MiB through a busy 2-core box
            if mode == 'valid':
                case.send(frames(b'\x03' + sql), packets=2, note='16 MiB query')
                self.read_result(case, None)
                case.conn.sock.settimeout(self.fz.answer_timeout)
            elif mode == 'bad_seq':
                data = frames(b'\x03' + sql)
                data = data[:MAX_FRAME + 4] + header(len(data) - MAX_FRAME - 8, 7) + data[MAX_FRAME + 8:]
                case.send(data, packets=2, note='16 MiB frame, next frame with sequence id 7')
                r = self.read_simple(case)
                if r is True:
                    case.unexpected('OK to a multi-frame command with a wrong sequence id')
            else:
                case.send(header(MAX_FRAME, 0) + b'\x03' + b'x' * rng.randint(0, 100000), note='16 MiB header, then close')
                case.conn.close(rst=rng.random() < 0.5)
        ok = self.run_op(s, 'post/multi_frame', fn, valid=mode == 'valid', chaos=mode == 'abort')
        return ok and mode != 'abort'

    def op_abandon(self, s):
        """A command, then the client goes away without reading the answer."""
        rng = self.rng
        body = rng.choice([b'\x03select sleep(0.3)', b"\x03select repeat('x', 2000000)", b'\x03select * from app.fuzz',
                           b'\x03insert into app.fuzz values (x\'ab\')'])
        case = Case(self, 'post/abandon', s.conn)
        try:
            case.send(frames(body), note='then close')
        except (Closed, Timeout):
            pass
        s.conn.close(rst=rng.random() < 0.5)

    # -- silent clients ------------------------------------------------------------------------
    def silent_case(self):
        rng = self.rng
        kinds = ['pre_nothing', 'pre_partial_header', 'pre_header_only', 'pre_half_handshake', 'pre_16mib_header',
                 'pre_16mib_few', 'pre_ssl_then_nothing', 'pre_auth_switch_nothing',
                 'post_mid_packet', 'post_header_only', 'post_multiframe_part', 'post_idle', 'post_change_user_half',
                 'post_stmt_mid_packet']
        kind = rng.choice(kinds)
        if kind == 'post_multiframe_full' or (kind == 'post_multiframe_part' and rng.random() < 0.15 and self.fz.may_send_big()):
            kind = 'post_multiframe_full'
        cat = 'silent/' + kind
        case = Case(self, cat)

        def fn(case):
            if kind.startswith('pre_'):
                g = self.connect(case, self.pre_src(), read_greeting=kind != 'pre_nothing')
                if kind == 'pre_partial_header':
                    case.send(header(60, 1)[:rng.randint(1, 3)])
                elif kind == 'pre_header_only':
                    case.send(header(rng.randint(1, 200), 1))
                elif kind == 'pre_half_handshake':
                    body = self.valid_response(g)
                    case.send(header(len(body), 1) + body[:rng.randint(0, len(body) - 1)])
                elif kind == 'pre_16mib_header':
                    case.send(header(MAX_FRAME, 1))
                elif kind == 'pre_16mib_few':
                    case.send(header(MAX_FRAME, 1) + bytes(rng.randrange(256) for _ in range(rng.randint(1, 40))))
                elif kind == 'pre_ssl_then_nothing':
                    req = struct.pack('<IIB', BASE_CAPS | SSL_CAP, 1 << 24, 45) + bytes(23)
                    case.send(header(len(req), 1) + req)
                elif kind == 'pre_auth_switch_nothing':
                    body = handshake_response(BASE_CAPS, b'app', b'', plugin=b'caching_sha2_password')
                    case.send(header(len(body), 1) + body)
                    seq, p = case.read()
                    if p[:1] != b'\xfe':
                        raise Desync('expected an auth switch, got %s' % hexdump(p, 16))
            else:
                g, caps = self.login(case, db=rng.random() < 0.5)
                if rng.random() < 0.5:
                    case.send(frames(b'\x03select 1'), note='select 1')
                    self.read_result(case, None)
                if kind == 'post_mid_packet':
                    body = b"\x03select '" + b'q' * rng.randint(10, 5000) + b"'"
                    case.send(frames(body)[:rng.randint(5, len(body) + 2)])
                elif kind == 'post_header_only':
                    case.send(header(rng.randint(1, 1000), 0))
                elif kind == 'post_multiframe_part':
                    case.send(header(MAX_FRAME, 0) + b'\x03' + b'x' * rng.choice([10, 1000, 65536]))
                elif kind == 'post_multiframe_full':
                    case.send(header(MAX_FRAME, 0) + b"\x03select '" + b'x' * (MAX_FRAME - 9), packets=1)
                elif kind == 'post_change_user_half':
                    body = b'\x11app\0\0app\0' + struct.pack('<H', 45) + b'caching_sha2_password\0'
                    case.send(frames(body))
                    seq, p = case.read()
                    if p[:1] != b'\xfe':
                        raise Desync('expected an auth switch to change user, got %s' % hexdump(p, 16))
                elif kind == 'post_stmt_mid_packet':
                    case.send(frames(b'\x16select ?, ?'))
                    stmt, code = self.read_prepare(case, bool(caps & DEPRECATE_EOF))
                    sid = stmt[0] if stmt else 1
                    body = b'\x17' + struct.pack('<IBI', sid, 0, 1) + b'\x00\x01' + b'\xfd\x00' * 2
                    case.send(header(len(body) + 50, 0) + body)
                # post_idle: nothing more
            self.fz.keeper.add(case.conn, kind)
            case.conn = None  # kept open on purpose
        self.guard(case, fn)
        if case.conn:
            case.conn.close()


class Session:
    def __init__(self, worker, conn, caps):
        self.w = worker
        self.conn = conn
        self.caps = caps
        self.stmts = {}
        self.closed_ids = []
        self.notes = []
        self.trace = []
        self.conn_alive = True


# --- silent sockets -----------------------------------------------------------------------------

EXPECTED_CLOSE = {  # which timeout should end each kind (None: a legitimately idle client)
    'pre_nothing': 'login', 'pre_partial_header': 'login', 'pre_header_only': 'login', 'pre_half_handshake': 'login',
    'pre_16mib_header': 'login', 'pre_16mib_few': 'login', 'pre_ssl_then_nothing': 'login',
    'pre_auth_switch_nothing': 'login', 'post_mid_packet': 'read', 'post_header_only': 'read',
    'post_multiframe_part': 'read', 'post_multiframe_full': 'read', 'post_change_user_half': 'read',
    'post_stmt_mid_packet': 'read', 'post_idle': None}


# the proxy's defaults (ClientLimits): login_timeout 10 s, read_timeout 30 s
LIMIT = {'login': 10, 'read': 30}


class Keeper:
    """Holds the deliberately silent sockets and records when (and how) the proxy ends them."""

    def __init__(self, fz):
        self.fz = fz
        self.lock = threading.Lock()
        self.sel = selectors.DefaultSelector()
        self.items = []
        self.thread = threading.Thread(target=self.loop, name='keeper', daemon=True)
        self.running = True
        self.thread.start()

    def add(self, conn, kind):
        item = {'kind': kind, 'src': conn.src, 'lport': conn.lport, 'sock': conn.sock, 'silent_at': time.monotonic(),
                'closed_after': None, 'how': None, 'errs': [], 'buf': bytearray(conn.buf), 'greeting_seen': False}
        conn.sock.setblocking(False)
        with self.lock:
            self.items.append(item)
            self.sel.register(conn.sock, selectors.EVENT_READ, item)

    def loop(self):
        while self.running:
            with self.lock:
                empty = not self.items
            if empty:
                time.sleep(0.2)
                continue
            try:
                events = self.sel.select(timeout=0.2)
            except (OSError, ValueError):
                time.sleep(0.05)
                continue
            for key, _ in events:
                self.readable(key.data)

    def readable(self, item):
        try:
            data = item['sock'].recv(1 << 16)
        except BlockingIOError:
            return
        except (ConnectionResetError, OSError):
            data = None
        if data:
            item['buf'] += data
            self.parse(item)
            return
        item['closed_after'] = time.monotonic() - item['silent_at']
        item['how'] = 'eof' if data == b'' else 'reset'
        with self.lock:
            try:
                self.sel.unregister(item['sock'])
            except (KeyError, ValueError):
                pass

    @staticmethod
    def parse(item):
        b = item['buf']
        while len(b) >= 4:
            n = b[0] | b[1] << 8 | b[2] << 16
            if len(b) < 4 + n:
                break
            p = bytes(b[4:4 + n])
            del b[:4 + n]
            if p[:1] == b'\xff':
                item['errs'].append(err_of(p)[0])

    def report(self, ss_lines, settle_note):
        now = time.monotonic()
        established = set()
        for line in ss_lines:
            parts = line.split()
            if len(parts) >= 4 and ':' in parts[3] and parts[0].isdigit():
                addr, _, port = parts[3].rpartition(':')
                addr = addr.strip('[]')
                if addr.startswith('::ffff:'):
                    addr = addr[7:]  # a dual-stack listener shows IPv4 peers mapped
                established.add((addr, int(port)))
        with self.lock:
            items = list(self.items)
        mine = {(i['src'], i['lport']) for i in items}
        rows = defaultdict(lambda: {'n': 0, 'closed': [], 'errs': Counter(), 'held': 0, 'open_view': 0, 'ages': []})
        for i in items:
            r = rows[i['kind']]
            r['n'] += 1
            if i['closed_after'] is not None:
                r['closed'].append(i['closed_after'])
            else:
                r['open_view'] += 1
            r['errs'].update(i['errs'])
            if (i['src'], i['lport']) in established:
                r['held'] += 1
                r['ages'].append(now - i['silent_at'])
        out = []
        out.append('Deliberately silent clients (%s):' % settle_note)
        out.append('  %-26s %6s %8s %-17s %-16s %s' % ('kind', 'opened', 'closed', 'closed after (s)', 'ERR codes',
                                                    'still ESTABLISHED at the proxy (ss), silent for (s)'))
        total_held = total_expected = held_expected = held_old = 0
        for kind in sorted(rows):
            r = rows[kind]
            c = sorted(r['closed'])
            span = ('%.1f-%.1f' % (c[0], c[-1])) if c else '-'
            errs = ' '.join('%d:%d' % (k, v) for k, v in sorted(r['errs'].items())) or '-'
            expect = EXPECTED_CLOSE.get(kind)
            note = '' if expect else '  (idle between commands: idle_timeout is off, kept on purpose)'
            ages = sorted(r['ages'])
            held = '%d' % r['held'] + ((' (%.0f-%.0f)' % (ages[0], ages[-1])) if ages else '')
            out.append('  %-26s %6d %8d %-17s %-16s %s%s' % (kind, r['n'], len(c), span, errs, held, note))
            if expect:
                old = [a for a in ages if a > LIMIT[expect] + 5]
                held_old += len(old)
            total_held += r['held']
            if expect:
                total_expected += r['n']
                held_expected += r['held']
        others = sorted(established - mine)
        out.append('  the proxy closed %d of %d silent sockets that stopped mid-login or mid-packet; %d still held, %d of them'
                   ' silent for longer than the timeout that applies (+5 s; login %d s, read %d s)'
                   % (total_expected - held_expected, total_expected, held_expected, held_old, LIMIT['login'], LIMIT['read']))
        out.append('  ESTABLISHED to the proxy port: %d in all, %d of them silent sockets, %d other clients%s'
                   % (len(established), total_held, len(others),
                      (': ' + ' '.join('%s:%d' % o for o in others[:10])) if others else ''))
        return '\n'.join(out), held_expected, total_expected, held_old

    def close_all(self):
        self.running = False
        with self.lock:
            for i in self.items:
                try:
                    i['sock'].close()
                except OSError:
                    pass


# --- reporting ----------------------------------------------------------------------------------

def summary(fz, workers, duration):
    st = fz.stats
    lines = []
    cats = sorted(st.cat)
    total = Counter()
    lines.append('Fuzz: %.0f s, %d workers, seed %d, %d connections, %d cases' % (
        duration, len(workers), fz.args.seed, st.connections, sum(c['cases'] for c in st.cat.values())))
    lines.append('  %-30s %7s %8s %7s %7s %7s %9s %8s  %s' % ('category', 'cases', 'packets', 'OK', 'ERR', 'closed',
                                                            'no-ERR cl', 'timeouts', 'ERR codes (count)'))
    for name in cats:
        c = st.cat[name]
        nerr = sum(c['err'].values())
        codes = ' '.join('%d:%d' % (k, v) for k, v in c['err'].most_common(8))
        extra = []
        if c['unexpected']:
            extra.append('unexpected %d' % c['unexpected'])
        if c['refused']:
            extra.append('refused %d' % c['refused'])
        if c.get('quiet'):
            extra.append('quiet %d' % c['quiet'])
        lines.append('  %-30s %7d %8d %7d %7d %7d %9d %8d  %s%s' % (
            name, c['cases'], c['packets'], c['ok'], nerr, c['closed'], c['closed_no_err'], c['timeouts'], codes or '-',
            ('  [' + ', '.join(extra) + ']') if extra else ''))
        for k in ('cases', 'packets', 'ok', 'closed', 'closed_no_err', 'timeouts', 'unexpected'):
            total[k] += c[k]
        total['err'] += nerr
    lines.append('  %-30s %7d %8d %7d %7d %7d %9d %8d' % ('total', total['cases'], total['packets'], total['ok'],
                                                          total['err'], total['closed'], total['closed_no_err'],
                                                          total['timeouts']))
    lines.append('  (closed: connections the proxy closed; no-ERR cl: of those, closed without an ERR first;'
                 ' quiet: no answer after deliberately broken framing, not a finding)')
    codes = Counter()
    for c in st.cat.values():
        codes.update(c['err'])
    lines.append('ERR codes seen: ' + ', '.join('%d %s' % (k, json.dumps(st.err_messages.get(k, '')[:50]))
                                                for k in sorted(codes)))
    if st.first_connect_failure:
        lines.append('CONNECTS FAILED: %d times, the first %.0f s into the fuzz (%s): is the proxy still running?'
                     % (st.connect_failures, st.first_connect_failure[0], st.first_connect_failure[1]))
    client_range = sorted(k for k in codes if 2000 <= k <= 2999)
    lines.append('client-range ERR codes (2000-2999) from the proxy: %s' % (
        ', '.join(map(str, client_range)) if client_range else 'none'))
    if st.bugs:
        lines.append('fuzzer bugs (exceptions in the fuzzer itself): %d, e.g. %s' % (
            st.bugs, ' / '.join(' '.join(l.strip() for l in t.strip().splitlines()[-3:]) for t in st.bug_traces[:2])))
    if st.findings:
        shown = 30
        lines.append('Findings (%d kinds, %d occurrences), in the order they first occurred%s:' % (
            len(st.findings), sum(f['count'] for f in st.findings.values()),
            ' (the first %d; all with every example in full in findings.json)' % shown if len(st.findings) > shown else ''))
        for (kind, cat, detail), f in sorted(st.findings.items(), key=lambda kv: kv[1]['first'])[:shown]:
            lines.append('  %s [%s] %s: %s  x%d' % (time.strftime('%H:%M:%S', time.localtime(f['first'])), kind, cat,
                                                   detail, f['count']))
            lines.append('      e.g. ' + f['examples'][0][:700])
    else:
        lines.append('Findings: none')
    return '\n'.join(lines)


def main():
    ap = argparse.ArgumentParser(description='MySQL protocol fuzzer for Tandem (see bench/fuzz.sh)')
    ap.add_argument('--host', default='127.0.0.1')
    ap.add_argument('--port', type=int, required=True)
    ap.add_argument('--time', type=float, default=60)
    ap.add_argument('--workers', type=int, default=8)
    ap.add_argument('--seed', type=int, default=None)
    ap.add_argument('--silent', type=int, default=48, help='deliberately silent sockets kept open (at most)')
    ap.add_argument('--answer-timeout', type=float, default=5.0)
    ap.add_argument('--avoid-known-crashes', action='store_true',
                    help='bind parameter types (new_params_bound 1) in every execution: when types were bound only in '
                         'executions that ran on a replica, the proxy sends a later execution without them to the '
                         'statement on the master (cursor, long data, transaction, session pinned to the master), '
                         'and MariaDB 11.4 crashes; use it to look for other findings')
    ap.add_argument('--state', default=None, help='directory for the hand-over with bench/fuzz.sh')
    ap.add_argument('--release-timeout', type=float, default=3600)
    args = ap.parse_args()
    if args.seed is None:
        args.seed = random.SystemRandom().randrange(1, 1 << 31)
    signal.signal(signal.SIGTERM, lambda *_: os._exit(143))
    print('fuzzing 127.0.0.1:%d for %.0f s with %d workers, seed %d (repeat with --seed %d)'
          % (args.port, args.time, args.workers, args.seed, args.seed), flush=True)
    fz = Fuzzer(args)
    workers = [Worker(fz, i, args.seed) for i in range(args.workers)]
    for w in workers:
        w.start()
    next_report = time.monotonic() + 10
    while any(w.is_alive() for w in workers):
        time.sleep(0.5)
        if time.monotonic() >= next_report and time.monotonic() < fz.deadline:
            next_report += 10
            st = fz.stats
            with st.lock:
                cases = sum(c['cases'] for c in st.cat.values())
                timeouts = sum(c['timeouts'] for c in st.cat.values())
                closed = sum(c['closed'] for c in st.cat.values())
            print('  %3.0f s: %d connections, %d cases, %d closed by the proxy, %d timeouts, %d silent sockets, %d finding kinds'
                  % (fz.elapsed(), st.connections, cases, closed, timeouts, len(fz.keeper.items), len(st.findings)),
                  flush=True)
        if time.monotonic() > fz.deadline + 60:
            print('workers still busy 60 s after the end; going on without them', flush=True)
            break
    duration = fz.elapsed()
    text = summary(fz, workers, duration)
    if args.state:
        with open(os.path.join(args.state, 'summary.txt'), 'w') as f:
            f.write(text + '\n')
        with open(os.path.join(args.state, 'findings.json'), 'w') as f:
            json.dump([{'first': time.strftime('%H:%M:%S', time.localtime(v['first'])), 'kind': k[0], 'category': k[1],
                        'detail': k[2], 'count': v['count'], 'examples': v['examples']}
                       for k, v in sorted(fz.stats.findings.items(), key=lambda kv: kv[1]['first'])], f, indent=1)
        open(os.path.join(args.state, 'fuzz-done'), 'w').close()
        print('fuzz done; %d silent sockets held open until the checks have run' % len(fz.keeper.items), flush=True)
        release = os.path.join(args.state, 'release')
        waited = time.monotonic()
        while not os.path.exists(release) and time.monotonic() - waited < args.release_timeout:
            time.sleep(0.2)
        ss_lines = []
        try:
            with open(os.path.join(args.state, 'ss.txt')) as f:
                ss_lines = f.read().splitlines()
        except OSError:
            pass
        note = open(os.path.join(args.state, 'settle-note')).read().strip() \
            if os.path.exists(os.path.join(args.state, 'settle-note')) else 'at the end'
        report, held, expected, held_old = fz.keeper.report(ss_lines, note)
        with open(os.path.join(args.state, 'silent.txt'), 'w') as f:
            f.write(report + '\n')
        with open(os.path.join(args.state, 'silent-held'), 'w') as f:
            f.write('%d %d %d\n' % (held, expected, held_old))
    else:
        print(text)
        time.sleep(1)
        report = fz.keeper.report([], 'no ss check')[0]
        print(report)
    fz.keeper.close_all()
    return 0


if __name__ == '__main__':
    sys.exit(main())
