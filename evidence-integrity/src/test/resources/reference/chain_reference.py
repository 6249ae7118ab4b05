#!/usr/bin/env python3
"""Independent reference implementation of ControlWatch's evidence chain encoding (docs/auditors.md).

Written from the specification alone, in another language, so that the Java implementation's known-answer
tests (CanonicalEncodingTest) check the specification rather than the Java code against itself. Auditors can use it
to recompute a row digest, a leaf or a head by hand:  python3 chain_reference.py
"""
import hashlib
import struct
from datetime import datetime, timezone


def i32(v): return struct.pack('>i', v)
def i64(v): return struct.pack('>q', v)


def string(s):
    if s is None:
        return i32(-1)
    b = s.encode('utf-8')
    return i32(len(b)) + b


def strings(values):
    return i32(len(values)) + b''.join(string(v) for v in values)


def micros(iso):
    # ISO-8601 UTC with up to 6 fractional digits
    dt = datetime.fromisoformat(iso.replace('Z', '+00:00'))
    delta = dt - datetime(1970, 1, 1, tzinfo=timezone.utc)
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


def row_bytes(r):
    return (b'cw-row-1' + string(r['executionId']) + string(r['controlId']) + string(r['controlVersion'])
            + strings(r['criteria']) + string(r['severity']) + string(r['result']) + string(r['reason'])
            + string(r['message']) + string(r['subject']) + string(r['eventId']) + string(r['eventSource'])
            + string(r['eventType']) + i64(micros(r['eventTime'])) + i64(micros(r['ingestTime']))
            + i64(micros(r['evaluatedAt'])) + string(r['pack']) + string(r['packVersion'])
            + strings(r['evidenceEventIds']) + bytes([1 if r['late'] else 0]) + bytes([1 if r['backfilled'] else 0])
            + string(r['submitter']) + string(r['exemptionId']))


def sha(b): return hashlib.sha256(b).digest()


def genesis(topic, partition): return sha(b'cw-genesis-1' + string(topic) + i32(partition))


def leaf(partition, offset, event_time, control_id, row_digest):
    return sha(b'cw-leaf-1' + i32(partition) + i64(offset) + i64(micros(event_time)) + string(control_id) + row_digest)


def nxt(head, leaf_): return sha(head + leaf_)


ROW = {
    'executionId': '0b7c1c9e-2f4a-4c39-9d1e-6a3f0e5b7c21', 'controlId': 'cc6.1-console-login-mfa',
    'controlVersion': 'v-3f9a', 'criteria': ['CC6.1', 'CC6.6'], 'severity': 'high', 'result': 'FAIL',
    'reason': 'mfa not used \u2014 caf\u00e9', 'message': None, 'subject': 'user:alice', 'eventId': 'evt-1',
    'eventSource': 'urn:src:okta', 'eventType': 'auth.login', 'eventTime': '2026-03-01T12:00:00.123456Z',
    'ingestTime': '2026-03-01T12:00:01Z', 'evaluatedAt': '2026-03-01T12:00:01.500Z', 'pack': 'soc2-core',
    'packVersion': '1.4.0', 'evidenceEventIds': ['evt-1'], 'late': False, 'backfilled': True,
    'submitter': 'source:okta', 'exemptionId': None,
}

if __name__ == '__main__':
    d = sha(row_bytes(ROW))
    g = genesis('cw.executions.v1', 3)
    l = leaf(3, 41, ROW['eventTime'], ROW['controlId'], d)
    print('rowBytes ', row_bytes(ROW).hex())
    print('rowDigest', d.hex())
    print('genesis  ', g.hex())
    print('leaf     ', l.hex())
    print('head1    ', nxt(g, l).hex())
    print('emptyStringReason', sha(row_bytes({**ROW, 'reason': ''})).hex())
    print('nullReason       ', sha(row_bytes({**ROW, 'reason': None})).hex())
