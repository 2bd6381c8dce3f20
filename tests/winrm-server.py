#!/usr/bin/env python3
"""A fake WinRM endpoint for the tests: WS-Management remote shell over
HTTP or HTTPS, Basic auth (and Negotiate with --keytab), on 127.0.0.1.

  winrm-server.py --port-file F --password PW [--cert C --key K]
                  [--bind ADDR] [--port N] [--keytab KT] [--root DIR]
                  [--envelope-kb N] [--nagle]

It answers the shell operations as Windows does (Create, Command, Receive,
Signal, Delete; SOAP 1.2 faults with HTTP 500; 401 with the schemes a
Windows listener offers) and runs a few commands by simulation, not by a
shell:

  echo TEXT            TEXT and CRLF on stdout
  exit /b N, exit N    exit code N
  timeout /t N         runs N seconds (Receives time out meanwhile)
  bigout N             N bytes of stdout, spread over several Receives
  more                 stdin back on stdout (runs when stdin ends)
  del /f /q "PATH"     removes PATH from the fake disk
  powershell ... -File "PATH"
                       the script in PATH (UTF-16LE with a byte order mark,
                       or UTF-8) is run as an encoded one is
  powershell ... -EncodedCommand B64
                       the UTF-16LE script is decoded and each statement
                       (separated by ; or newlines) is one of
                       Write-Output 'TEXT' or "TEXT", Write-Error 'TEXT'
                       (CLIXML on stderr, exit code 1), exit N.
                       lifeboat's put and get scripts (the ones that begin
                       "# lifeboat put" and "# lifeboat get") are carried
                       out as PowerShell would run them: base64 lines on
                       stdin or stdout, the "end SHA256 SIZE" trailer
                       checked, a temporary file renamed into place, and
                       .NET's messages when a file or folder is missing.

Files live on a fake disk under --root: C:\\X\\Y is ROOT/C/X/Y, a relative
path is relative to C:\\Users\\USER, and %TEMP%, %TMP%, %USERPROFILE% expand
to the user's folders (created with the shell).

Limits as Windows has them: a request larger than --envelope-kb KiB (its
MaxEnvelopeSizekb, default 500) gets a w:EncodingLimit fault, and that
setting is read with a WS-Transfer Get of the config resource, which
Windows allows administrators only (here: everyone but user noconfig).
  anything else        cmd.exe's "is not recognized" on stderr, exit 1

The user name chooses a fault mode (any password but the right one gets
401): deny (access denied fault on Create), quota (shell quota fault, as
MSFT_WmiError), slow (never answers), garbage (malformed XML), huge (a
300 MB response, generated as it is sent), truncated (the connection
closes half-way through a response), timeout (a w:TimedOut fault on the
first Receive of each command, as a real server sends when its
OperationTimeout runs out), badcmd (InvalidSelectors on Receive),
corrupt (put and get damage the first byte of a file in transit),
noconfig (access denied on the config Get).
Anyone else is a normal user.

With --bitlocker FILE (a JSON object: user name -> host, see
tests/data/bitlocker/hosts.json) lifeboat's two BitLocker scripts, known
by their first line ("# lifeboat bitlocker keys", "# lifeboat bitlocker
protectors"), get the answers of the host the user names, as the real
cmdlets print them: Get-BitLockerVolume | ConvertTo-Json -Depth 4 in
Windows PowerShell 5.1's layout (CRLF, two spaces after each colon,
nested values indented under their key, enums as numbers or, in mode
json-names, as names), the Win32_EncryptableVolume table, manage-bde's
English text with its banner (every protector listed, as without -type,
so that readers must skip the TPM and external keys), or exit 3 with a
line on stderr (mode none).  A user the file does not name gets mode
none.  --bitlocker-print USER keys|protectors prints that answer's
stdout and exits, for writing fixtures.

With --keytab KT the endpoint also takes "Authorization: Negotiate TOKEN"
(SPNEGO or raw Kerberos, accepted through python3-gssapi with the service
keys in KT, for whatever principal the client asked for: HTTP/127.0.0.1
when it connects to that address).  The principal's name before the @
is the user that chooses the fault mode (deny@REALM is deny).  As
HTTP.sys does, the acceptor's token comes back in "WWW-Authenticate:
Negotiate TOKEN" with "Persistent-Auth: true", and the connection stays
authenticated: later requests on it need no Authorization header.  Each
accepted token is logged on stderr with the principal and whether the
client delegated its credentials; one that cannot be accepted gets 401
and the reason on stderr.  Basic works as before.
"""

import argparse
import atexit
import base64
import hashlib
import json
import os
import re
import shutil
import signal
import ssl
import sys
import tempfile
import threading
import time
import uuid
import xml.etree.ElementTree as ET
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

NS = {
    's': 'http://www.w3.org/2003/05/soap-envelope',
    'a': 'http://schemas.xmlsoap.org/ws/2004/08/addressing',
    'w': 'http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd',
    'p': 'http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd',
    'rsp': 'http://schemas.microsoft.com/wbem/wsman/1/windows/shell',
    'x': 'http://schemas.xmlsoap.org/ws/2004/09/transfer',
}
SHELL = NS['rsp']
TRANSFER = NS['x']
ANON = NS['a'] + '/role/anonymous'
MACHINE = 'winsrv01.lab.test'
CHUNK = 64 * 1024          # raw stdout bytes per Receive response

CONFIG = 'http://schemas.microsoft.com/wbem/wsman/1/config'
LINE = 12288               # bytes per base64 line of get's script
ROOT = None                # the fake disk

shells = {}                # shell id -> {command id -> job}
owners = {}                # shell id -> user
lock = threading.Lock()


def esc(s):
    return (s.replace('&', '&amp;').replace('<', '&lt;')
            .replace('>', '&gt;').replace('"', '&quot;'))


def envelope(action, relates, body):
    return ('<s:Envelope xml:lang="en-US" xmlns:s="%s" xmlns:a="%s" '
            'xmlns:x="%s" xmlns:w="%s" xmlns:rsp="%s" xmlns:p="%s">'
            '<s:Header><a:Action>%s</a:Action>'
            '<a:MessageID>uuid:%s</a:MessageID><a:To>%s</a:To>'
            '<a:RelatesTo>%s</a:RelatesTo></s:Header>'
            '<s:Body>%s</s:Body></s:Envelope>') % (
                NS['s'], NS['a'], NS['x'], NS['w'], NS['rsp'], NS['p'],
                action, str(uuid.uuid4()).upper(), ANON, esc(relates), body)


def fault(relates, code, subcode, reason, wsman_code, wmi=False):
    if wmi:
        detail = ('<p:MSFT_WmiError xmlns:p="http://schemas.dmtf.org/wbem/'
                  'wscim/1/cim-schema/2/MSFT_WmiError" xmlns:cim="http://'
                  'schemas.dmtf.org/wbem/wscim/1/common">'
                  '<p:Message>%s</p:Message><p:error_Code>%s</p:error_Code>'
                  '<p:error_Type>HRESULT</p:error_Type></p:MSFT_WmiError>'
                  % (esc(reason), wsman_code))
    else:
        detail = ('<f:WSManFault xmlns:f="http://schemas.microsoft.com/wbem/'
                  'wsman/1/wsmanfault" Code="%s" Machine="%s"><f:Message>'
                  '%s </f:Message></f:WSManFault>'
                  % (wsman_code, MACHINE, esc(reason)))
    body = ('<s:Fault><s:Code><s:Value>%s</s:Value><s:Subcode><s:Value>%s'
            '</s:Value></s:Subcode></s:Code><s:Reason><s:Text xml:lang='
            '"en-US">%s </s:Text></s:Reason><s:Detail>%s</s:Detail>'
            '</s:Fault>' % (code, subcode, esc(reason), detail))
    return envelope('http://schemas.dmtf.org/wbem/wsman/1/wsman/fault',
                    relates, body)


def clixml(text):
    enc = text.replace('_x', '_x005F_x').replace('\r', '_x000D_') \
        .replace('\n', '_x000A_')
    return ('#< CLIXML\r\n<Objs Version="1.1.0.1" xmlns="http://schemas.'
            'microsoft.com/powershell/2004/04"><S S="Error">%s_x000D__x000A_'
            '</S></Objs>' % esc(enc)).encode()


def run_ps(script):
    out, err, rc = b'', b'', 0
    for stmt in re.split(r'[;\n]', script):
        stmt = stmt.strip()
        if not stmt:
            continue
        m = re.fullmatch(r"(Write-Output|Write-Error)\s+(?:'((?:[^']|'')*)'"
                         r'|"([^"]*)")', stmt)
        if m:
            text = m.group(2).replace("''", "'") if m.group(2) is not None \
                else m.group(3)
            if m.group(1) == 'Write-Output':
                out += text.encode() + b'\r\n'
            else:
                err += clixml(text)
                rc = 1
            continue
        m = re.fullmatch(r'exit\s+(-?\d+)', stmt)
        if m:
            return out, err, int(m.group(1))
        err += clixml("The term '%s' is not recognized" % stmt)
        return out, err, 1
    return out, err, rc


def disk_path(path, user):
    """(local path, Windows path) of a Windows path on the fake disk."""
    env = {'TEMP': 'C:\\Users\\%s\\AppData\\Local\\Temp' % user,
           'USERPROFILE': 'C:\\Users\\%s' % user}
    env['TMP'] = env['TEMP']
    win = re.sub(r'%([^%]+)%',
                 lambda m: env.get(m.group(1).upper(), m.group(0)), path)
    win = win.replace('/', '\\')
    if not re.match(r'[A-Za-z]:\\', win):
        win = env['USERPROFILE'] + '\\' + win
    parts = [x for x in win[3:].split('\\') if x not in ('', '.')]
    if '..' in parts:
        raise ValueError(win)
    return os.path.join(ROOT, win[0].upper(), *parts), win


def ps_error(text):
    return b'', clixml(text), 1


def ps_string(script):
    m = re.search(r"ExpandEnvironmentVariables\('((?:[^']|'')*)'\)", script)
    return m.group(1).replace("''", "'")


def ps_put(script, user):
    """lifeboat's put script: a function of its stdin."""
    dst = ps_string(script)
    suffix = re.search(r"\.lifeboat-([0-9A-Za-z-]+)'", script).group(1)

    def put(stdin):
        path, win = disk_path(dst, user)
        if os.path.isdir(path):
            return ps_error('%s is a directory' % win)
        folder, name = win.rsplit('\\', 1)
        if not os.path.isdir(os.path.dirname(path)):
            return ps_error('Exception calling "Open" with "4" argument(s): '
                            '"Could not find a part of the path \'%s\\.%s'
                            '.lifeboat-%s\'."' % (folder, name, suffix))
        tmp = os.path.join(os.path.dirname(path), '.%s.lifeboat-%s'
                           % (os.path.basename(path), suffix))
        data, end = bytearray(), None
        for line in stdin.decode('latin-1').split('\n'):
            line = line.rstrip('\r')
            if not line:
                continue
            if end is not None:
                return ps_error('data after the trailer')
            if line.startswith('end '):
                end = line
                continue
            try:
                b = base64.b64decode(line, validate=True)
            except ValueError:
                return ps_error('Exception calling "FromBase64String" with '
                                '"1" argument(s): "The input is not a valid '
                                'Base-64 string."')
            if user == 'corrupt' and not data and b:
                b = bytes([b[0] ^ 1]) + b[1:]
            data += b
        got = 'end %s %d' % (hashlib.sha256(data).hexdigest(), len(data))
        with open(tmp, 'xb') as f:
            f.write(data)
        if end != got:
            os.unlink(tmp)
            return ps_error('damaged in transit: sent %s, received %s'
                            % (end, got))
        os.replace(tmp, path)
        return got.encode() + b'\r\n', b'', 0
    return put


def ps_get(script, user):
    """lifeboat's get script."""
    path, win = disk_path(ps_string(script), user)
    try:
        with open(path, 'rb') as f:
            data = f.read()
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return ps_error('Exception calling "Open" with "4" argument(s): '
                        '"Could not find file \'%s\'."' % win)
    sent = bytearray(data)
    if user == 'corrupt' and sent:
        sent[0] ^= 1
    out = b''.join(base64.b64encode(sent[i:i + LINE]) + b'\r\n'
                   for i in range(0, len(sent), LINE))
    out += ('end %s %d\r\n' % (hashlib.sha256(data).hexdigest(),
                               len(data))).encode()
    return out, b'', 0


BITLOCKER = {}             # user -> host, from --bitlocker
KP_NAMES = {0: 'Unknown', 1: 'Tpm', 2: 'ExternalKey', 3: 'RecoveryPassword',
            4: 'TpmPin', 5: 'TpmStartupKey', 6: 'TpmPinStartupKey',
            7: 'PublicKey', 8: 'Password', 9: 'TpmNetworkKey',
            10: 'AdAccountOrGroup'}
MBDE_LABELS = {1: 'TPM', 2: 'External Key', 3: 'Numerical Password',
               4: 'TPM And PIN', 5: 'TPM And Startup Key',
               6: 'TPM And PIN And Startup Key', 8: 'Password'}


def ps51_string(s):
    """A string as .NET's JavaScriptSerializer writes it."""
    out = '"'
    for c in s:
        if c in '"\\':
            out += '\\' + c
        elif c in '<>&\'' or ord(c) < 0x20:
            out += '\\u%04x' % ord(c)
        else:
            out += c
    return out + '"'


def ps51_json(v, col=0):
    """ConvertTo-Json as Windows PowerShell 5.1 lays it out: members four
    columns right of their bracket, which sits where its key's value
    starts; an empty list as two line ends."""
    pad = ' ' * (col + 4)
    end = '\r\n' + ' ' * col
    if isinstance(v, dict):
        items = []
        for k, x in v.items():
            head = pad + ps51_string(k) + ':  '
            items.append(head + ps51_json(x, len(head)))
        return '{\r\n' + ',\r\n'.join(items) + end + '}'
    if isinstance(v, list):
        if not v:
            return '[\r\n' + end + ']'
        return ('[\r\n' + ',\r\n'.join(pad + ps51_json(x, col + 4)
                                        for x in v) + end + ']')
    if v is None:
        return 'null'
    if isinstance(v, bool):
        return 'true' if v else 'false'
    if isinstance(v, (int, float)):
        return repr(v)
    return ps51_string(v)


def bl_encrypted(host, vol):
    return host['mode'] != 'off' and vol.get('status', 1) != 0


def bl_volume(host, vol, names):
    """A BitLockerVolume object, as ConvertTo-Json sees it."""
    on = bl_encrypted(host, vol)
    os_vol = vol.get('type', 0) == 0

    def enum(n, name):
        return name if names else n
    kps = []
    for p in vol.get('protectors', []):
        kps.append({
            'KeyProtectorId': p['id'],
            'AutoUnlockProtector': None,
            'KeyProtectorType': enum(p['type'], KP_NAMES[p['type']]),
            'KeyFileName': p.get('file', ''),
            'RecoveryPassword': p.get('password', ''),
            'KeyCertificateType': '',
            'Thumbprint': ''})
    return {
        'ComputerName': host['computer'],
        'MountPoint': vol['mount'],
        'EncryptionMethod': enum(6, 'XtsAes128') if on else
        enum(0, 'None'),
        'AutoUnlockEnabled': None if os_vol else False,
        'AutoUnlockKeyStored': False if os_vol else None,
        'MetadataVersion': 2 if on else 0,
        'VolumeStatus': enum(1, 'FullyEncrypted') if on else
        enum(0, 'FullyDecrypted'),
        'ProtectionStatus': enum(1, 'On') if on and kps else enum(0, 'Off'),
        'LockStatus': enum(0, 'Unlocked'),
        'EncryptionPercentage': 100 if on else 0,
        'WipePercentage': 0,
        'VolumeType': enum(0, 'OperatingSystem') if os_vol else
        enum(1, 'Data'),
        'CapacityGB': vol.get('capacity', 100.0),
        'KeyProtector': kps}


def bl_manage_bde(host):
    out = ''
    for vol in host['volumes']:
        out += ('BitLocker Drive Encryption: Configuration Tool version '
                '10.0.19041\r\nCopyright (C) 2013 Microsoft Corporation. '
                'All rights reserved.\r\n\r\nVolume %s [%s]\r\n'
                % (vol['mount'], vol.get('label', '')))
        kps = vol.get('protectors', [])
        if not bl_encrypted(host, vol) or not kps:
            out += ('ERROR: No key protectors found.\r\n\r\n')
            continue
        out += 'All Key Protectors\r\n\r\n'
        for p in kps:
            out += '    %s:\r\n      ID: %s\r\n' % (
                MBDE_LABELS.get(p['type'], 'Unknown'), p['id'])
            if p['type'] == 3:
                out += '      Password:\r\n        %s\r\n' % p['password']
            elif p['type'] == 2:
                out += ('      External Key File Name:\r\n        %s\r\n'
                        % p.get('file', ''))
            elif p['type'] in (1, 4, 5, 6):
                out += ('      PCR Validation Profile:\r\n        7, 11\r\n'
                        '        (Uses Secure Boot for integrity '
                        'validation)\r\n')
            out += '\r\n'
    return out


def bl_cim_rows(host):
    rows = []
    for vol in host['volumes']:
        rec = [p for p in vol.get('protectors', []) if p['type'] == 3]
        base = {'DriveLetter': vol['mount'],
                'DeviceID': vol.get('device', '\\\\?\\Volume{%s}\\'
                                    % vol['mount']),
                'ProtectionStatus': 1 if bl_encrypted(host, vol) and
                vol.get('protectors') else 0}
        for p in rec or [None]:
            row = {'ProtectorId': p['id'] if p else None,
                   'NumericalPassword': p['password'] if p else None,
                   'ReturnValue': 0}
            row.update(base)
            rows.append(row)
    return rows


def bitlocker_answer(user, what):
    """(stdout, stderr, rc) of lifeboat's BitLocker script what (keys,
    protectors) on the host of user."""
    host = BITLOCKER.get(user, {'mode': 'none', 'volumes': []})
    mode = host['mode']
    if mode == 'none':
        return (b'', b'bitlocker is not available on this host: no '
                b'Get-BitLockerVolume, no Win32_EncryptableVolume, no '
                b'manage-bde\r\n', 3)
    method = {'cim': 'cim', 'manage-bde': 'manage-bde'}.get(mode, 'json')
    if what == 'protectors':
        out = 'lb-bitlocker method %s\r\n' % method
        for vol in host['volumes']:
            out += 'lb-bitlocker volume\t%s\r\n' % vol['mount']
            if not bl_encrypted(host, vol):
                continue
            for p in vol.get('protectors', []):
                if p['type'] == 3:
                    out += ('lb-bitlocker protector\t%s\t%s\r\n'
                            % (p['id'], vol['mount']))
        return out.encode(), b'', 0
    out = '#lifeboat-bitlocker %s\r\n' % method
    if method == 'json':
        vols = [bl_volume(host, v, mode == 'json-names')
                for v in host['volumes']]
        out += ps51_json(vols[0] if len(vols) == 1 else vols) + '\r\n'
    elif method == 'cim':
        out += ps51_json(bl_cim_rows(host)) + '\r\n'
    else:
        out += bl_manage_bde(host)
    return out.encode(), b'', 0


def run_script(script, user):
    """A PowerShell script, encoded or from a file."""
    m = re.match(r'# lifeboat bitlocker (keys|protectors)\b', script)
    if m:
        return bitlocker_answer(user, m.group(1))
    return run_ps(script)


def script_text(data):
    if data.startswith(b'\xff\xfe'):
        return data[2:].decode('utf-16-le')
    return data.decode('utf-8-sig')


def run(command, user='alice'):
    """(stdout, stderr, exit code) of a simulated command line, or a
    function of its stdin that gives them when stdin ends."""
    m = re.match(r'(?i)powershell(?:\.exe)?\s.*-EncodedCommand\s+(\S+)\s*$',
                 command)
    if m:
        script = base64.b64decode(m.group(1)).decode('utf-16-le')
        if script.startswith('# lifeboat put'):
            return ps_put(script, user)
        if script.startswith('# lifeboat get'):
            return ps_get(script, user)
        return run_script(script, user)
    m = re.match(r'(?i)powershell(?:\.exe)?\s.*-File\s+"([^"]+)"\s*$',
                 command)
    if m:
        path, win = disk_path(m.group(1), user)
        try:
            with open(path, 'rb') as f:
                return run_script(script_text(f.read()), user)
        except FileNotFoundError:
            return (b'', ("The argument '%s' to the -File parameter does "
                          "not exist. Provide the path to an existing "
                          "'.ps1' file as an argument to the -File "
                          "parameter.\r\n" % win).encode(), -196608)
    m = re.fullmatch(r'(?i)del\s+/f\s+/q\s+"([^"]+)"', command)
    if m:
        path, win = disk_path(m.group(1), user)
        try:
            os.unlink(path)
            return b'', b'', 0
        except FileNotFoundError:
            return b'', ('Could Not Find %s\r\n' % win).encode(), 0
    if command.lower() == 'more':
        return lambda stdin: (bytes(stdin), b'', 0)
    m = re.fullmatch(r'(?i)echo(?:\s(.*))?', command)
    if m:
        return (m.group(1) or '').encode() + b'\r\n', b'', 0
    m = re.fullmatch(r'(?i)exit(?:\s+/b)?\s+(-?\d+)', command)
    if m:
        return b'', b'', int(m.group(1))
    m = re.fullmatch(r'(?i)timeout\s+/t\s+(\d+)', command)
    if m:
        return b'', b'', 0, time.time() + int(m.group(1))
    m = re.fullmatch(r'bigout\s+(\d+)', command)
    if m:
        n = int(m.group(1))
        line = b'0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTU\r\n'
        return (line * (n // len(line) + 1))[:n], b'', 0
    name = command.split(' ', 1)[0]
    return b'', ("'%s' is not recognized as an internal or external "
                 "command,\r\noperable program or batch file.\r\n"
                 % name).encode(), 1


class Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    # Each response in as few segments as it is written: no 40 ms wait
    # for the client's delayed ACK, which Windows' HTTP.sys does not have.
    disable_nagle_algorithm = True
    server_version = 'Microsoft-HTTPAPI/2.0'
    sys_version = ''

    def log_message(self, fmt, *args):
        pass

    def send(self, status, body, ctype='application/soap+xml;charset=UTF-8',
             extra=()):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        for k, v in extra:
            self.send_header(k, v)
        if data:
            self.send_header('Content-Type', ctype)
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self.send(405, b'', extra=[('Allow', 'POST')])

    def send_response(self, code, message=None):
        super().send_response(code, message)
        token, self.krb_token = getattr(self, 'krb_token', None), None
        if token is not None:
            self.send_header('WWW-Authenticate', 'Negotiate ' + token)
            if code != 401:
                self.send_header('Persistent-Auth', 'true')

    def negotiate(self, b64):
        """The user a Negotiate token proves, or None (and a reason on
        stderr).  A token that needs another leg is answered with 401
        and the acceptor's token; the final token, if any, goes out
        with the response."""
        import gssapi
        ctx = getattr(self, 'krb_ctx', None)
        if ctx is None or ctx.complete:
            creds = gssapi.Credentials(usage='accept',
                                       store={'keytab': self.server.keytab})
            ctx = self.krb_ctx = gssapi.SecurityContext(creds=creds,
                                                        usage='accept')
        try:
            out = ctx.step(base64.b64decode(b64))
            done = ctx.complete    # raises what step() put off
        except (gssapi.exceptions.GSSError, ValueError) as e:
            self.krb_ctx = self.krb_user = None
            print('negotiate: rejected: %s' % e, file=sys.stderr, flush=True)
            return None
        if out:
            self.krb_token = base64.b64encode(out).decode()
        if not done:
            return None
        name = str(ctx.initiator_name)
        self.krb_user = name.partition('@')[0]
        print('negotiate: %s as %s, delegated credentials: %s'
              % (name, self.krb_user,
                 'yes' if ctx.delegated_creds is not None else 'no'),
              file=sys.stderr, flush=True)
        return self.krb_user

    def user(self):
        h = self.headers.get('Authorization', '')
        if h.startswith('Negotiate ') and self.server.keytab:
            return self.negotiate(h[10:].strip())
        if not h and self.server.keytab:
            # Negotiate authenticates the connection, as HTTP.sys does.
            return getattr(self, 'krb_user', None)
        if not h.startswith('Basic '):
            return None
        try:
            u, _, pw = base64.b64decode(h[6:]).decode().partition(':')
        except ValueError:
            return None
        return u if pw == self.server.password else None

    def do_POST(self):
        n = int(self.headers.get('Content-Length', '0'))
        req = self.rfile.read(n)
        if self.path != '/wsman':
            return self.send(404, b'')
        user = self.user()
        if user is None:
            offer = [] if getattr(self, 'krb_token', None) else [
                ('WWW-Authenticate', 'Negotiate')]
            return self.send(401, b'', extra=offer + [
                ('WWW-Authenticate', 'Basic realm="WSMAN"')])
        if not self.headers.get('Content-Type', '').startswith(
                'application/soap+xml'):
            return self.send(415, b'')
        try:
            env = ET.fromstring(req)
        except ET.ParseError:
            return self.send(400, b'')
        hdr = env.find('s:Header', NS)
        action = hdr.findtext('a:Action', '', NS)
        msgid = hdr.findtext('a:MessageID', '', NS)
        sel = hdr.find("w:SelectorSet/w:Selector[@Name='ShellId']", NS)
        shell = sel.text if sel is not None else None
        body = env.find('s:Body', NS)
        self.mode = user
        if user == 'slow':
            time.sleep(300)
            return
        if user == 'garbage':
            return self.send(200, '<s:Envelope xmlns:s="%s"><s:Body><rsp:'
                             'Shell>' % NS['s'])
        if user == 'truncated':
            full = envelope(TRANSFER + '/CreateResponse', msgid, '')
            self.send_response(200)
            self.send_header('Content-Type', 'application/soap+xml')
            self.send_header('Content-Length', str(len(full)))
            self.end_headers()
            self.wfile.write(full[:len(full) // 2].encode())
            self.wfile.flush()
            self.close_connection = True
            return
        if n > self.server.envelope:
            return self.send(500, fault(
                msgid, 's:Sender', 'w:EncodingLimit',
                'The WS-Management service cannot process the request '
                'because the envelope size in the request is too large.',
                '2150858817'))
        if action == TRANSFER + '/Get' and \
                hdr.findtext('w:ResourceURI', '', NS) == CONFIG:
            return self.config(msgid, user)
        if action == TRANSFER + '/Create':
            return self.create(msgid, user)
        if shell not in shells:
            return self.send(500, fault(
                msgid, 's:Sender', 'w:InvalidSelectors',
                'The WS-Management service cannot process the request '
                'because the request contained invalid selectors for the '
                'resource.', '2150858843'))
        if action == SHELL + '/Command':
            return self.shell_command(msgid, shell, body)
        if action == SHELL + '/Receive':
            return self.receive(msgid, shell, body, user)
        if action == SHELL + '/Send':
            return self.stdin(msgid, shell, body)
        if action == SHELL + '/Signal':
            cid = body.find('rsp:Signal', NS).get('CommandId')
            with lock:
                shells[shell].pop(cid, None)
            return self.send(200, envelope(SHELL + '/SignalResponse', msgid,
                                           '<rsp:SignalResponse/>'))
        if action == TRANSFER + '/Delete':
            with lock:
                shells.pop(shell, None)
            return self.send(200, envelope(TRANSFER + '/DeleteResponse',
                                           msgid, ''))
        return self.send(500, fault(
            msgid, 's:Sender', 'a:ActionNotSupported',
            'The action is not supported by the service.', '2150858754'))

    def create(self, msgid, user):
        if user == 'deny':
            return self.send(500, fault(msgid, 's:Sender', 'w:AccessDenied',
                                        'Access is denied.', '5'))
        if user == 'quota':
            return self.send(500, fault(
                msgid, 's:Receiver', 'w:QuotaLimit',
                'The WS-Management service cannot process the request. '
                'This user is allowed a maximum number of 30 concurrent '
                'shells, which has been exceeded.', '2150859173', wmi=True))
        sid = str(uuid.uuid4()).upper()
        os.makedirs(disk_path('%TEMP%', user)[0], exist_ok=True)
        with lock:
            shells[sid] = {}
            owners[sid] = user
        body = ('<x:ResourceCreated><a:Address>http://%s:5985/wsman'
                '</a:Address><a:ReferenceParameters><w:ResourceURI>%s/cmd'
                '</w:ResourceURI><w:SelectorSet><w:Selector Name="ShellId">'
                '%s</w:Selector></w:SelectorSet></a:ReferenceParameters>'
                '</x:ResourceCreated><rsp:Shell><rsp:ShellId>%s</rsp:ShellId>'
                '<rsp:ResourceUri>%s/cmd</rsp:ResourceUri><rsp:Owner>%s'
                '</rsp:Owner><rsp:ClientIP>127.0.0.1</rsp:ClientIP>'
                '<rsp:IdleTimeOut>PT7200.000S</rsp:IdleTimeOut>'
                '<rsp:InputStreams>stdin</rsp:InputStreams><rsp:OutputStreams>'
                'stdout stderr</rsp:OutputStreams><rsp:ShellRunTime>P0DT0H0M0S'
                '</rsp:ShellRunTime><rsp:ShellInactivity>P0DT0H0M0S'
                '</rsp:ShellInactivity></rsp:Shell>'
                % (MACHINE, SHELL, sid, sid, SHELL, esc(user)))
        self.send(200, envelope(TRANSFER + '/CreateResponse', msgid, body))

    def config(self, msgid, user):
        if user == 'noconfig':
            return self.send(500, fault(msgid, 's:Sender', 'w:AccessDenied',
                                        'Access is denied.', '5'))
        body = ('<cfg:Config xmlns:cfg="%s"><cfg:MaxEnvelopeSizekb>%d'
                '</cfg:MaxEnvelopeSizekb><cfg:MaxTimeoutms>60000'
                '</cfg:MaxTimeoutms><cfg:MaxBatchItems>32000'
                '</cfg:MaxBatchItems><cfg:MaxProviderRequests>4294967295'
                '</cfg:MaxProviderRequests></cfg:Config>'
                % (CONFIG, self.server.envelope // 1024))
        self.send(200, envelope(TRANSFER + '/GetResponse', msgid, body))

    def stdin(self, msgid, shell, body):
        st = body.find('rsp:Send/rsp:Stream', NS)
        job = shells[shell].get(st.get('CommandId'))
        if job is None:
            return self.send(500, fault(
                msgid, 's:Sender', 'w:InvalidSelectors',
                'The command does not exist.', '2150858843'))
        job['stdin'] += base64.b64decode(st.text or '')
        if st.get('End') in ('true', 'TRUE', '1') and job.get('pending'):
            fn, job['pending'] = job['pending'], None
            job['out'], job['err'], job['rc'] = fn(job['stdin'])
        self.send(200, envelope(SHELL + '/SendResponse', msgid,
                                '<rsp:SendResponse/>'))

    def shell_command(self, msgid, shell, body):
        cl = body.find('rsp:CommandLine', NS)
        line = cl.findtext('rsp:Command', '', NS)
        args = [a.text or '' for a in cl.findall('rsp:Arguments', NS)]
        if args:
            line = ' '.join([line] + args)
        res = run(line.strip(), owners.get(shell, 'alice'))
        cid = str(uuid.uuid4()).upper()
        if callable(res):
            job = {'out': b'', 'err': b'', 'rc': 0, 'until': 0,
                   'pending': res}
        else:
            out, err, rc, *until = res
            job = {'out': out, 'err': err, 'rc': rc,
                   'until': until[0] if until else 0}
        job.update(receives=0, stdin=bytearray())
        with lock:
            shells[shell][cid] = job
        self.send(200, envelope(
            SHELL + '/CommandResponse', msgid,
            '<rsp:CommandResponse><rsp:CommandId>%s</rsp:CommandId>'
            '</rsp:CommandResponse>' % cid))

    def receive(self, msgid, shell, body, user):
        cid = body.find('rsp:Receive/rsp:DesiredStream', NS).get('CommandId')
        job = shells[shell].get(cid)
        if job is None or user == 'badcmd':
            return self.send(500, fault(
                msgid, 's:Sender', 'w:InvalidSelectors',
                'The request for the Windows Remote Shell with ShellId %s '
                'failed because the command with CommandId %s does not '
                'exist.' % (shell, cid), '2150858843'))
        job['receives'] += 1
        if user == 'timeout' and job['receives'] == 1:
            time.sleep(0.2)
            return self.send(500, fault(
                msgid, 's:Receiver', 'w:TimedOut',
                'The WS-Management service cannot complete the operation '
                'within the time specified in OperationTimeout.',
                '2150858793'))
        if user == 'huge':
            return self.huge(cid)
        def running():
            return job.get('pending') or time.time() < job['until']
        if running():
            # Still running (or waiting for stdin): hold the Receive, then
            # time out as Windows does when OperationTimeout passes with
            # nothing to say.
            time.sleep(max(0, min(job['until'] - time.time(), 1.0))
                       if not job.get('pending') else 1.0)
            if running():
                return self.send(500, fault(
                    msgid, 's:Receiver', 'w:TimedOut',
                    'The WS-Management service cannot complete the '
                    'operation within the time specified in '
                    'OperationTimeout.', '2150858793'))
        streams = ''
        out, err = job['out'][:CHUNK], job['err'][:CHUNK]
        job['out'], job['err'] = job['out'][CHUNK:], job['err'][CHUNK:]
        for name, data in (('stdout', out), ('stderr', err)):
            if data:
                streams += ('<rsp:Stream Name="%s" CommandId="%s">%s'
                            '</rsp:Stream>' % (name, cid,
                                               base64.b64encode(data)
                                               .decode()))
        if job['out'] or job['err']:
            state = ('<rsp:CommandState CommandId="%s" State="%s/'
                     'CommandState/Running"/>' % (cid, SHELL))
        else:
            for name in ('stdout', 'stderr'):
                streams += ('<rsp:Stream Name="%s" CommandId="%s" End="true">'
                            '</rsp:Stream>' % (name, cid))
            state = ('<rsp:CommandState CommandId="%s" State="%s/CommandState'
                     '/Done"><rsp:ExitCode>%d</rsp:ExitCode>'
                     '</rsp:CommandState>' % (cid, SHELL, job['rc']))
        self.send(200, envelope(
            SHELL + '/ReceiveResponse', msgid,
            '<rsp:ReceiveResponse>%s%s</rsp:ReceiveResponse>'
            % (streams, state)))

    def huge(self, cid):
        """300 MB of one stream element, made as it is sent."""
        total = 300 * 1024 * 1024
        head = ('<s:Envelope xmlns:s="%s" xmlns:rsp="%s"><s:Body>'
                '<rsp:ReceiveResponse><rsp:Stream Name="stdout" '
                'CommandId="%s">' % (NS['s'], SHELL, cid)).encode()
        self.send_response(200)
        self.send_header('Content-Type', 'application/soap+xml')
        self.send_header('Content-Length', str(total))
        self.end_headers()
        piece = b'QUFBQUFB' * 8192
        try:
            self.wfile.write(head)
            sent = len(head)
            while sent + len(piece) <= total:
                self.wfile.write(piece)
                sent += len(piece)
        except OSError:
            pass
        self.close_connection = True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--port-file')
    ap.add_argument('--password')
    ap.add_argument('--cert')
    ap.add_argument('--key')
    ap.add_argument('--bind', default='127.0.0.1',
                    help='address to listen on (tests: 127.0.0.1; the '
                    'benchmark, inside its own network namespace: 0.0.0.0)')
    ap.add_argument('--port', type=int, default=0,
                    help='port to listen on (0: any free one)')
    ap.add_argument('--root', help='the fake disk (default: a new '
                    'temporary directory)')
    ap.add_argument('--nagle', action='store_true',
                    help="leave Nagle's algorithm on (for the benchmark's "
                    'comparison)')
    ap.add_argument('--envelope-kb', type=int, default=500,
                    help='MaxEnvelopeSizekb: the largest request taken')
    ap.add_argument('--keytab', help='accept Negotiate (Kerberos through '
                    'python3-gssapi) with the service keys in this keytab')
    ap.add_argument('--bitlocker', help='a JSON file of BitLocker hosts '
                    'by user name (tests/data/bitlocker/hosts.json)')
    ap.add_argument('--bitlocker-print', nargs=2, metavar=('USER', 'WHAT'),
                    help='print the answer to the BitLocker script WHAT '
                    '(keys, protectors) for USER, and exit')
    a = ap.parse_args()
    if a.bitlocker:
        with open(a.bitlocker) as f:
            BITLOCKER.update(json.load(f))
    if a.bitlocker_print:
        out, err, rc = bitlocker_answer(*a.bitlocker_print)
        sys.stdout.buffer.write(out)
        sys.stderr.buffer.write(err)
        return rc
    if not a.port_file or a.password is None:
        ap.error('--port-file and --password are required')
    global ROOT
    ROOT = a.root or tempfile.mkdtemp(prefix='winrm-disk-')
    if not a.root:
        # A disk of its own goes with the server, killed or not.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        atexit.register(shutil.rmtree, ROOT, True)
    ThreadingHTTPServer.request_queue_size = 1024
    srv = ThreadingHTTPServer((a.bind, a.port), Handler)
    srv.daemon_threads = True
    srv.password = a.password
    Handler.disable_nagle_algorithm = not a.nagle
    srv.envelope = a.envelope_kb * 1024
    srv.keytab = a.keytab
    if a.keytab:
        import gssapi    # noqa: F401  (fail now, not at the first request)
    if a.cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.cert, a.key)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    with open(a.port_file + '.tmp', 'w') as f:
        f.write('%d\n' % srv.server_address[1])
    import os
    os.rename(a.port_file + '.tmp', a.port_file)
    srv.serve_forever()


if __name__ == '__main__':
    sys.exit(main())
