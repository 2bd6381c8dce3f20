#!/usr/bin/env python3
"""Writes a simulated Windows fleet whose hosts answer lifeboat's
BitLocker script the way Get-BitLockerVolume | ConvertTo-Json does, with
recovery passwords made here (valid ones: each group a 16-bit number
times 11), for the keys tests and bench/keys.

    keys-fixture.py INVENTORY KEYS.json [--hosts N] [--seed S]

KEYS.json gets the truth: [{"host", "site", "volume", "id", "password"}],
so that a test can check every key lifeboat stored and grep every file
for every password.  Besides the plain hosts the fleet has: a host with
only a TPM protector (no recovery key), a host whose one password is
invalid, two hosts whose key IDs share their first 8 digits, a Linux
host and an unreachable one."""
import json
import random
import sys
import uuid


def password(rng):
    return '-'.join('%06d' % (rng.randrange(65536) * 11) for _ in range(8))


def protector(kid, pw):
    return {
        'KeyProtectorId': '{%s}' % kid,
        'AutoUnlockProtector': None,
        'KeyProtectorType': 3,
        'KeyFileName': '',
        'RecoveryPassword': pw,
        'KeyCertificateType': None,
        'Thumbprint': '',
    }


def tpm(rng):
    return {
        'KeyProtectorId': '{%s}' % str(uuid.UUID(int=rng.getrandbits(128),
                                                 version=4)).upper(),
        'AutoUnlockProtector': None,
        'KeyProtectorType': 1,
        'KeyFileName': '',
        'RecoveryPassword': '',
        'KeyCertificateType': None,
        'Thumbprint': '',
    }


def volume(host, mount, prots):
    return {
        'ComputerName': host.upper(),
        'MountPoint': mount,
        'EncryptionMethod': 7,
        'AutoUnlockEnabled': None,
        'AutoUnlockKeyStored': None,
        'MetadataVersion': 2,
        'VolumeStatus': 1,
        'ProtectionStatus': 1,
        'LockStatus': 0,
        'EncryptionPercentage': 100,
        'WipePercentage': 0,
        'VolumeType': 0 if mount == 'C:' else 1,
        'CapacityGB': 237.8 if mount == 'C:' else 931.5,
        'KeyProtector': prots,
    }


def ps_json(obj):
    """PowerShell 5.1's ConvertTo-Json layout: four-space indents, two
    spaces after a colon, CRLF line ends."""
    text = json.dumps(obj, indent=4, ensure_ascii=False)
    text = text.replace('": ', '":  ')
    return text.replace('\n', '\r\n') + '\r\n'


def main():
    args = sys.argv[1:]
    n, seed = 12, 7
    if '--hosts' in args:
        i = args.index('--hosts')
        n = int(args[i + 1])
        del args[i:i + 2]
    if '--seed' in args:
        i = args.index('--seed')
        seed = int(args[i + 1])
        del args[i:i + 2]
    inv_path, keys_path = args
    rng = random.Random(seed)
    truth = []
    hosts = {'ams': {}, 'fra': {}}

    def newid():
        return str(uuid.UUID(int=rng.getrandbits(128), version=4)).upper()

    for i in range(n):
        site = 'ams' if i % 2 == 0 else 'fra'
        name = '%s-ws%03d' % (site, i)
        vols = []
        mounts = ['C:', 'D:'] if i % 3 == 0 else ['C:']
        for m in mounts:
            kid, pw = newid(), password(rng)
            truth.append({'host': name, 'site': site, 'volume': m,
                          'id': kid, 'password': pw})
            vols.append(volume(name, m, [tpm(rng), protector(kid, pw)]
                               if m == 'C:' else [protector(kid, pw)]))
        out = '#lifeboat-bitlocker json\r\n' + ps_json(
            vols if len(vols) > 1 else vols[0])
        hosts[site][name] = {'os': 'windows', 'sim': {'commands': [
            {'match': '*#lifeboat-bitlocker*', 'stdout': out}]}}

    # Two hosts whose IDs share the first 8 hex digits.
    twin = newid()
    for k, name in enumerate(['ams-twin1', 'ams-twin2']):
        kid = twin[:8] + newid()[8:]
        pw = password(rng)
        truth.append({'host': name, 'site': 'ams', 'volume': 'C:',
                      'id': kid, 'password': pw})
        out = '#lifeboat-bitlocker json\r\n' + ps_json(
            volume(name, 'C:', [protector(kid, pw)]))
        hosts['ams'][name] = {'os': 'windows', 'sim': {'commands': [
            {'match': '*#lifeboat-bitlocker*', 'stdout': out}]}}

    out = '#lifeboat-bitlocker json\r\n' + ps_json(
        volume('fra-tpm', 'C:', [tpm(rng)]))
    hosts['fra']['fra-tpmonly'] = {'os': 'windows', 'sim': {'commands': [
        {'match': '*#lifeboat-bitlocker*', 'stdout': out}]}}
    bad = '357006-573683-563662-715858-116171-239855-647625-579084'
    out = '#lifeboat-bitlocker json\r\n' + ps_json(
        volume('fra-bad', 'C:', [protector(newid(), bad)]))
    hosts['fra']['fra-badpw'] = {'os': 'windows', 'sim': {'commands': [
        {'match': '*#lifeboat-bitlocker*', 'stdout': out}]}}
    hosts['fra']['fra-lnx01'] = {'os': 'linux'}
    hosts['fra']['fra-down'] = {'os': 'windows',
                                'sim': {'unreachable': True}}

    inv = {'defaults': {'transport': 'sim',
                        'sim': {'latency': '2ms', 'jitter': '1ms'}},
           'sites': {s: {'hosts': h} for s, h in hosts.items()}}
    with open(inv_path, 'w', encoding='utf-8') as f:
        json.dump(inv, f, indent=1, ensure_ascii=False)
    with open(keys_path, 'w', encoding='utf-8') as f:
        json.dump(truth, f, indent=1)


if __name__ == '__main__':
    main()
