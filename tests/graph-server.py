#!/usr/bin/env python3
"""A Microsoft identity platform + Graph test server for the entra key
source: HTTPS on 127.0.0.1, threaded, paths as Microsoft's but without a
host prefix, so that both login_url and graph_url point at it.

  graph-server.py --cert C --key K --data FILE --state-dir DIR
                  [--port N] [--port-file F]

Endpoints (shapes as Microsoft documents them):

  POST /{tenant}/oauth2/v2.0/token        form, application/x-www-form-urlencoded
        grant_type=client_credentials, client_id, client_secret,
        scope=https://graph.microsoft.com/.default
          -> 200 {"token_type":"Bearer","expires_in":N,"ext_expires_in":N,
                  "access_token":"..."}
          -> 401 invalid_client (AADSTS7000215) for a wrong secret,
             400 unauthorized_client (AADSTS700016) for an unknown client,
             400 invalid_request (AADSTS90002) for an unknown tenant
        grant_type=urn:ietf:params:oauth:grant-type:device_code,
        client_id, device_code
          -> 400 authorization_pending (config device_pending times),
             then a token and a refresh_token, or the config
             device_outcome: access_denied, expired_token (400 each)
        grant_type=refresh_token, client_id, refresh_token (each one
        good once) -> a new token and refresh_token
  POST /{tenant}/oauth2/v2.0/devicecode   form: client_id, scope
          -> device_code, user_code, verification_uri
             (https://microsoft.com/devicelogin), expires_in, interval,
             message
  GET /v1.0/devices?$filter=displayName eq 'NAME'[&$select=...]
          -> {"@odata.context":...,"value":[devices]}
  GET /v1.0/informationProtection/bitlocker/recoveryKeys
          [?$filter=deviceId eq 'GUID']
          -> {"@odata.context":...,"value":[keys without "key"],
              "@odata.nextLink": absolute URL while more pages remain}
  GET /v1.0/informationProtection/bitlocker/recoveryKeys/{id}[?$select=key]
          -> the key object; "key" only with $select=key, and 403
             Authorization_RequestDenied for a basic-only client's token

Every Graph call wants "Authorization: Bearer <a token issued here, not
expired>" (401 InvalidAuthenticationToken otherwise) and a User-Agent
(400 otherwise).  Throttling is deterministic: every Nth Graph request
(config every_429) gets 429 TooManyRequests, every Mth (every_503) 503,
both with "Retry-After: <retry_after>" unless retry_after is null; only
the first throttle_until Graph requests are throttled when that is set.

The data file (JSON), written by the test:

  {"tenant": "contoso.example",          (or a GUID; "*" takes any)
   "clients": {"CLIENT_ID": {"secret": "...", "basic_only": false}},
   "devices": [{"id": OBJID, "deviceId": GUID, "displayName": NAME}],
   "keys": [{"id": GUID, "createdDateTime": "...", "volumeType": "1" or 1,
             "deviceId": GUID, "key": "48 digits"}],
   "config": {"page_size": 2, "token_lifetime": 3599,
              "device_pending": 2, "device_outcome": "ok",
              "device_interval": 1, "device_expires": 900,
              "every_429": 0, "every_503": 0, "retry_after": "1",
              "throttle_until": 0}}

Test hooks under /_lb/ (no token needed): GET /_lb/stats (request
counts per kind, how often each key was read with $select=key, and
every access and refresh token issued),
GET /_lb/echo and POST /_lb/echo (the request's method, path, headers
and body as JSON), GET /_lb/status/N[?retry_after=V] (status N with that
Retry-After), GET /_lb/sleep?ms=N, GET /_lb/big?bytes=N.  The stats are
also written to DIR/stats.json when the server is stopped by SIGTERM.
The port is written to --port-file (and DIR/port) once it listens.
"""

import argparse
import json
import os
import re
import secrets
import signal
import socket
import ssl
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote, urlsplit

GRAPH_SCOPE = 'https://graph.microsoft.com/.default'
DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code'
GRAPH = '/v1.0'
KEYS_PATH = GRAPH + '/informationProtection/bitlocker/recoveryKeys'
KEY_TYPE = '#microsoft.graph.bitlockerRecoveryKey'


class State:
    def __init__(self, data, state_dir):
        self.lock = threading.Lock()
        self.data = data
        self.cfg = dict(data.get('config', {}))
        self.state_dir = state_dir
        self.tokens = {}        # token -> (client_id, basic_only, expiry)
        self.refresh = {}       # refresh token -> client_id
        self.device_codes = {}  # code -> {client, polls, expiry}
        self.stats = Counter()
        self.key_reads = Counter()
        self.graph_n = 0
        # Indexes, so that a large data set (the benchmark's) costs no
        # scan per request.
        self.by_name, self.by_device, self.by_id = {}, {}, {}
        for d in data.get('devices', []):
            self.by_name.setdefault(d.get('displayName', '').lower(),
                                    []).append(d)
        for k in data.get('keys', []):
            self.by_device.setdefault(k.get('deviceId', '').lower(),
                                      []).append(k)
            self.by_id[k.get('id', '').lower()] = k

    def c(self, name, default):
        return self.cfg.get(name, default)

    def dump(self):
        with self.lock:
            return {'requests': dict(self.stats),
                    'key_reads': dict(self.key_reads),
                    'tokens_issued': self.stats.get('token_ok', 0),
                    # So that tests can look for them where they must
                    # not be.
                    'tokens': sorted(self.tokens) + sorted(self.refresh)}


def odata_string(s):
    """The value of an OData string literal body ('' is one quote)."""
    return s.replace("''", "'")


FILTER_RE = re.compile(r"^\s*(\w+)\s+eq\s+'((?:[^']|'')*)'\s*$")


class Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    server_version = 'graph-test/1.0'

    def log_message(self, fmt, *args):
        if os.environ.get('GRAPH_SERVER_LOG'):
            sys.stderr.write('%s %s\n' % (self.address_string(),
                                          fmt % args))

    def setup(self):
        # The handshake runs here, in the connection's thread, so that a
        # slow or failing client never holds up accept().
        self.request.settimeout(30)
        # Headers and body go out in separate writes: without this,
        # Nagle and the client's delayed ACK cost 40 ms a request.
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.request.do_handshake()
        super().setup()

    @property
    def st(self):
        return self.server.state

    # --- replies -------------------------------------------------------

    def reply(self, status, obj, headers=None):
        body = obj if isinstance(obj, bytes) else \
            json.dumps(obj).encode('utf-8')
        self.send_response(status)
        self.send_header('Content-Type',
                         'application/json; charset=utf-8')
        self.send_header('Content-Length', str(len(body)))
        self.send_header('request-id', secrets.token_hex(8))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != 'HEAD':
            self.wfile.write(body)

    def graph_error(self, status, code, message, headers=None):
        self.reply(status, {'error': {
            'code': code, 'message': message,
            'innerError': {'date': time.strftime('%Y-%m-%dT%H:%M:%S'),
                           'request-id': secrets.token_hex(16),
                           'client-request-id': secrets.token_hex(16)}}},
            headers)

    def aad_error(self, status, error, code, description):
        self.reply(status, {
            'error': error,
            'error_description': 'AADSTS%d: %s Trace ID: %s '
                                 'Correlation ID: %s Timestamp: %s' % (
                                     code, description,
                                     secrets.token_hex(16),
                                     secrets.token_hex(16),
                                     time.strftime('%Y-%m-%d %H:%M:%SZ')),
            'error_codes': [code],
            'timestamp': time.strftime('%Y-%m-%d %H:%M:%SZ'),
            'trace_id': secrets.token_hex(16),
            'correlation_id': secrets.token_hex(16)})

    def count(self, kind):
        with self.st.lock:
            self.st.stats[kind] += 1

    def read_body(self):
        n = int(self.headers.get('Content-Length') or 0)
        return self.rfile.read(n) if n > 0 else b''

    def base_url(self):
        return 'https://%s' % (self.headers.get('Host') or
                               '127.0.0.1:%d' % self.server.server_port)

    # --- dispatch ------------------------------------------------------

    def do_GET(self):
        u = urlsplit(self.path)
        q = parse_qs(u.query, keep_blank_values=True)
        if u.path.startswith('/_lb/'):
            return self.hook(u.path, q, b'')
        if u.path.startswith(GRAPH + '/'):
            return self.graph(u.path, q)
        self.count('unknown')
        self.graph_error(404, 'UnknownError', 'no such resource')

    def do_POST(self):
        u = urlsplit(self.path)
        body = self.read_body()
        if u.path.startswith('/_lb/'):
            return self.hook(u.path, parse_qs(u.query), body)
        m = re.match(r'^/([^/]+)/oauth2/v2\.0/(token|devicecode)$', u.path)
        if m is None:
            self.count('unknown')
            return self.graph_error(404, 'UnknownError', 'no such resource')
        form = parse_qs(body.decode('utf-8', 'replace'),
                        keep_blank_values=True)
        form = {k: v[0] for k, v in form.items()}
        tenant = self.st.data.get('tenant', '*')
        if tenant != '*' and m.group(1) != tenant:
            self.count('token_bad_tenant')
            return self.aad_error(
                400, 'invalid_request', 90002,
                "Tenant '%s' not found. Check to make sure you have the "
                "correct tenant ID and are signing into the correct "
                "cloud." % m.group(1))
        ctype = (self.headers.get('Content-Type') or '').split(';')[0]
        if ctype.strip() != 'application/x-www-form-urlencoded':
            self.count('token_bad_request')
            return self.aad_error(
                400, 'invalid_request', 900144,
                "The request body must contain the following parameter: "
                "'grant_type'.")
        if m.group(2) == 'devicecode':
            return self.devicecode(form)
        return self.token(form)

    # --- the identity platform -----------------------------------------

    def client(self, form):
        cid = form.get('client_id', '')
        return cid, self.st.data.get('clients', {}).get(cid)

    def issue(self, cid, client, refresh=False):
        life = int(self.st.c('token_lifetime', 3599))
        tok = 'eyJ0eXAiOiJKV1QifQ.' + secrets.token_urlsafe(48)
        out = {'token_type': 'Bearer', 'expires_in': life,
               'ext_expires_in': life, 'access_token': tok}
        with self.st.lock:
            self.st.tokens[tok] = (cid, bool(client.get('basic_only')),
                                   time.time() + life)
            self.st.stats['token_ok'] += 1
            if refresh:
                out['refresh_token'] = '0.AR' + secrets.token_urlsafe(64)
                out['scope'] = 'BitlockerKey.Read.All ' \
                               'Device.Read.All offline_access'
                self.st.refresh[out['refresh_token']] = cid
        self.reply(200, out)

    def token(self, form):
        cid, client = self.client(form)
        grant = form.get('grant_type', '')
        if client is None:
            self.count('token_bad_client')
            return self.aad_error(
                400, 'unauthorized_client', 700016,
                "Application with identifier '%s' was not found in the "
                "directory." % cid)
        if form.get('scope', GRAPH_SCOPE).split() != [GRAPH_SCOPE] and \
                grant == 'client_credentials':
            self.count('token_bad_scope')
            return self.aad_error(
                400, 'invalid_scope', 1002012,
                'The provided value for scope is not valid.')
        if grant == 'client_credentials':
            if form.get('client_secret') != client.get('secret'):
                self.count('token_bad_secret')
                return self.aad_error(
                    401, 'invalid_client', 7000215,
                    'Invalid client secret provided. Ensure the secret '
                    'being sent in the request is the client secret '
                    'value, not the client secret ID, for a secret added '
                    "to app '%s'." % cid)
            return self.issue(cid, client)
        if grant == DEVICE_GRANT:
            return self.device_poll(cid, client, form.get('device_code'))
        if grant == 'refresh_token':
            with self.st.lock:
                owner = self.st.refresh.pop(form.get('refresh_token'),
                                            None)
                self.st.stats['token_refresh'] += 1
            if owner != cid:
                return self.aad_error(400, 'invalid_grant', 9002313,
                                      'Invalid request. Request is '
                                      'malformed or invalid.')
            return self.issue(cid, client, True)
        self.count('token_bad_grant')
        self.aad_error(400, 'unsupported_grant_type', 70003,
                       'The app requested an unsupported grant type.')

    def devicecode(self, form):
        cid, client = self.client(form)
        if client is None:
            self.count('token_bad_client')
            return self.aad_error(
                400, 'unauthorized_client', 700016,
                "Application with identifier '%s' was not found in the "
                "directory." % cid)
        code = 'DAQABAAEAAA' + secrets.token_urlsafe(40)
        user = ''.join(secrets.choice('ABCDEFGHJKLMNPQRSTUVWXYZ23456789')
                       for _ in range(9))
        expires = int(self.st.c('device_expires', 900))
        with self.st.lock:
            self.st.device_codes[code] = {'client': cid, 'polls': 0,
                                          'expiry': time.time() + expires}
            self.st.stats['devicecode'] += 1
        self.reply(200, {
            'device_code': code, 'user_code': user,
            'verification_uri': 'https://microsoft.com/devicelogin',
            'expires_in': expires,
            'interval': int(self.st.c('device_interval', 1)),
            'message': 'To sign in, use a web browser to open the page '
                       'https://microsoft.com/devicelogin and enter the '
                       'code %s to authenticate.' % user})

    def device_poll(self, cid, client, code):
        with self.st.lock:
            dc = self.st.device_codes.get(code)
            if dc is not None:
                dc['polls'] += 1
            self.st.stats['device_poll'] += 1
        if dc is None or dc['client'] != cid:
            return self.aad_error(400, 'invalid_grant', 70000,
                                  'The provided value for the input '
                                  "parameter 'device_code' is not valid.")
        if time.time() > dc['expiry']:
            return self.aad_error(400, 'expired_token', 70020,
                                  'The provided authorization code or '
                                  'refresh token has expired.')
        if dc['polls'] <= int(self.st.c('device_pending', 2)):
            self.count('device_pending')
            return self.aad_error(400, 'authorization_pending', 70016,
                                  'OAuth 2.0 device flow error. '
                                  'Authorization is pending. Continue '
                                  'polling.')
        outcome = self.st.c('device_outcome', 'ok')
        if outcome == 'access_denied':
            return self.aad_error(400, 'access_denied', 70019,
                                  'The user has denied access to the '
                                  'scope requested by the client '
                                  'application.')
        if outcome == 'expired_token':
            return self.aad_error(400, 'expired_token', 70020,
                                  'The provided authorization code or '
                                  'refresh token has expired.')
        with self.st.lock:
            self.st.device_codes.pop(code, None)
        self.issue(cid, client, True)

    # --- Graph ---------------------------------------------------------

    def authorize(self):
        """The token's (client, basic_only), or None after a reply."""
        if not self.headers.get('User-Agent'):
            self.count('no_user_agent')
            self.graph_error(400, 'BadRequest',
                             'A User-Agent header is required.')
            return None
        auth = self.headers.get('Authorization') or ''
        if not auth.startswith('Bearer '):
            self.count('unauthorized')
            self.graph_error(401, 'InvalidAuthenticationToken',
                             'Access token is empty.')
            return None
        with self.st.lock:
            t = self.st.tokens.get(auth[7:])
        if t is None:
            self.count('unauthorized')
            self.graph_error(401, 'InvalidAuthenticationToken',
                             'IDX14100: JWT is not well formed.')
            return None
        if time.time() > t[2]:
            self.count('expired')
            self.graph_error(401, 'InvalidAuthenticationToken',
                             'Lifetime validation failed, the token is '
                             'expired.')
            return None
        return t

    def throttled(self):
        with self.st.lock:
            self.st.graph_n += 1
            n = self.st.graph_n
        ra = self.st.c('retry_after', '1')
        hdr = {} if ra is None else {'Retry-After': str(ra)}
        e429 = int(self.st.c('every_429', 0))
        e503 = int(self.st.c('every_503', 0))
        until = int(self.st.c('throttle_until', 0) or 0)
        if until > 0 and n > until:
            return False
        if e429 > 0 and n % e429 == 0:
            self.count('throttled_429')
            self.graph_error(429, 'TooManyRequests',
                             'Please retry again later.', hdr)
            return True
        if e503 > 0 and n % e503 == 0:
            self.count('throttled_503')
            self.graph_error(503, 'ServiceUnavailable',
                             'The service is temporarily unavailable.',
                             hdr)
            return True
        return False

    def graph(self, path, q):
        tok = self.authorize()
        if tok is None or self.throttled():
            return
        if path == GRAPH + '/devices':
            return self.devices(q)
        if path == KEYS_PATH:
            return self.key_list(q)
        if path.startswith(KEYS_PATH + '/'):
            return self.key_get(path[len(KEYS_PATH) + 1:], q, tok)
        self.count('unknown')
        self.graph_error(400, 'BadRequest',
                         "Resource not found for the segment '%s'." %
                         path.rsplit('/', 1)[-1])

    def filter_of(self, q, field):
        """(ok, value or None) for $filter=field eq '...'."""
        f = q.get('$filter')
        if f is None:
            return True, None
        m = FILTER_RE.match(f[0])
        if m is None or m.group(1) != field:
            self.count('bad_filter')
            self.graph_error(400, 'BadRequest',
                             "Invalid filter clause: '%s'" % f[0])
            return False, None
        return True, odata_string(m.group(2))

    def devices(self, q):
        self.count('devices')
        ok, name = self.filter_of(q, 'displayName')
        if not ok:
            return
        out = []
        sel = q.get('$select', [''])[0]
        fields = [s for s in sel.split(',') if s]
        devs = self.st.data.get('devices', []) if name is None else \
            self.st.by_name.get(name.lower(), [])
        for d in devs:
            if fields:
                d = {k: d[k] for k in fields if k in d}
            out.append(d)
        self.reply(200, {
            '@odata.context': 'https://graph.microsoft.com/v1.0/'
                              '$metadata#devices',
            'value': out})

    def key_list(self, q):
        self.count('keys_list')
        ok, dev = self.filter_of(q, 'deviceId')
        if not ok:
            return
        keys = self.st.data.get('keys', []) if dev is None else \
            self.st.by_device.get(dev.lower(), [])
        size = max(1, int(self.st.c('page_size', 2)))
        skip = 0
        if '$skiptoken' in q:
            try:
                skip = int(q['$skiptoken'][0].split('-', 1)[1])
            except (IndexError, ValueError):
                return self.graph_error(400, 'BadRequest',
                                        'Invalid $skiptoken.')
        page = keys[skip:skip + size]
        out = {'@odata.context': 'https://graph.microsoft.com/v1.0/'
                                 '$metadata#informationProtection/'
                                 'bitlocker/recoveryKeys',
               'value': [self.key_obj(k, False) for k in page]}
        if skip + size < len(keys):
            nq = []
            if dev is not None:
                nq.append('$filter=' + quote("deviceId eq '%s'" %
                                             dev.replace("'", "''"),
                                             safe=''))
            nq.append('$skiptoken=p-%d' % (skip + size))
            out['@odata.nextLink'] = '%s%s?%s' % (self.base_url(),
                                                  KEYS_PATH, '&'.join(nq))
        self.reply(200, out)

    def key_obj(self, k, with_key):
        o = {'@odata.type': KEY_TYPE}
        for f in ('id', 'createdDateTime', 'volumeType', 'deviceId'):
            if f in k:
                o[f] = k[f]
        if with_key:
            o['key'] = k.get('key')
        return o

    def key_get(self, kid, q, tok):
        sel = [s.strip() for s in q.get('$select', [''])[0].split(',')]
        want = 'key' in sel
        self.count('key_get_key' if want else 'key_get_basic')
        k = self.st.by_id.get(kid.lower())
        if k is None:
            return self.graph_error(404, 'Request_ResourceNotFound',
                                    "Resource '%s' does not exist or one "
                                    "of its queried reference-property "
                                    "objects are not present." % kid)
        if want and tok[1]:
            self.count('denied')
            return self.graph_error(403, 'Authorization_RequestDenied',
                                    'Insufficient privileges to complete '
                                    'the operation.')
        if want:
            with self.st.lock:
                self.st.key_reads[k['id']] += 1
        o = self.key_obj(k, want)
        o['@odata.context'] = ('https://graph.microsoft.com/v1.0/$metadata'
                               '#informationProtection/bitlocker/'
                               'recoveryKeys/$entity')
        self.reply(200, o)

    # --- test hooks ----------------------------------------------------

    def hook(self, path, q, body):
        if path == '/_lb/stats':
            return self.reply(200, self.st.dump())
        if path == '/_lb/echo':
            return self.reply(200, {
                'method': self.command, 'path': self.path,
                'headers': {k: v for k, v in self.headers.items()},
                'body': body.decode('utf-8', 'replace')})
        m = re.match(r'^/_lb/status/(\d{3})$', path)
        if m:
            hdr = {}
            if 'retry_after' in q:
                hdr['Retry-After'] = q['retry_after'][0]
            return self.reply(int(m.group(1)),
                              {'status': int(m.group(1))}, hdr)
        if path == '/_lb/sleep':
            time.sleep(int(q.get('ms', ['1000'])[0]) / 1000.0)
            return self.reply(200, {'slept': True})
        if path == '/_lb/big':
            n = int(q.get('bytes', ['0'])[0])
            self.send_response(200)
            self.send_header('Content-Type', 'application/octet-stream')
            self.send_header('Content-Length', str(n))
            self.end_headers()
            chunk = b'x' * 65536
            try:
                while n > 0:
                    self.wfile.write(chunk[:min(n, len(chunk))])
                    n -= min(n, len(chunk))
            except (BrokenPipeError, ConnectionResetError):
                pass
            return None
        self.graph_error(404, 'UnknownError', 'no such hook')


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def handle_error(self, request, client_address):
        # A client that hangs up (timeouts in the tests) is no news.
        if os.environ.get('GRAPH_SERVER_LOG'):
            super().handle_error(request, client_address)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--cert', required=True)
    ap.add_argument('--key', required=True)
    ap.add_argument('--data', required=True)
    ap.add_argument('--state-dir', required=True)
    ap.add_argument('--port', type=int, default=0)
    ap.add_argument('--port-file')
    a = ap.parse_args()

    with open(a.data, encoding='utf-8') as f:
        data = json.load(f)
    os.makedirs(a.state_dir, exist_ok=True)
    srv = Server(('127.0.0.1', a.port), Handler)
    srv.state = State(data, a.state_dir)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(a.cert, a.key)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True,
                                 do_handshake_on_connect=False)

    def stop(signo, frame):
        tmp = os.path.join(a.state_dir, 'stats.json.tmp')
        with open(tmp, 'w', encoding='utf-8') as f:
            json.dump(srv.state.dump(), f)
        os.rename(tmp, os.path.join(a.state_dir, 'stats.json'))
        os._exit(0)
    signal.signal(signal.SIGTERM, stop)

    port = str(srv.server_port)
    for path in filter(None, (a.port_file,
                              os.path.join(a.state_dir, 'port'))):
        with open(path + '.tmp', 'w') as f:
            f.write(port + '\n')
        os.rename(path + '.tmp', path)
    srv.serve_forever()


if __name__ == '__main__':
    main()
