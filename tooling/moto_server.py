"""moto_server, with DynamoDB requests handled one at a time.

moto_server is threaded (werkzeug, a thread per request) and its DynamoDB backend checks a ConditionExpression and
then writes the item with no lock in between (moto 5.x, dynamodb/models/table.py put_item): two concurrent
conditional writes of one key can both pass the check, which real DynamoDB never allows (a conditional write is
atomic). Measured on moto 5.2.1: 4 threads each putting the same 2,000 keys with attribute_not_exists(id), two
writes of a key succeeded 5 times; 8 concurrent Powertools idempotent calls on each of 100 keys ran the work twice
for 3 to 4 keys in every run (tests/integration/burst/atomic-writes.test.ts). The channels' idempotency records
(Powertools' INPROGRESS put) rely on that atomicity: the burst test's intermittent `duplicates: 1` was two twin
deliveries whose puts of one record both succeeded, so both sent. A duplicate that only the emulator causes.

Every DynamoDB request (X-Amz-Target DynamoDB_*) is served under one lock, which gives each request the per-item
atomicity and isolation DynamoDB guarantees. Other services stay concurrent (SQS long polls must not block anything).
Arguments are moto_server's own (-H, -p, ...).
"""

import threading

from moto import server
from moto.moto_server.werkzeug_app import DomainDispatcherApplication

_dynamodb = threading.Lock()
_dispatch = DomainDispatcherApplication.__call__


def _call(self, environ, start_response):
    if environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB_"):
        with _dynamodb:
            # Produce the whole (small) body under the lock, then close the iterable as a WSGI server would.
            body = _dispatch(self, environ, start_response)
            try:
                return list(body)
            finally:
                if hasattr(body, "close"):
                    body.close()
    return _dispatch(self, environ, start_response)


DomainDispatcherApplication.__call__ = _call

if __name__ == "__main__":
    server.main()
