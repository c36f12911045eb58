#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Print 'N passed, N failed' from a meson testlog.json; exit 1 if any
test failed or none ran.  Usage: test-summary.py build/meson-logs/testlog.json"""
import json
import sys

PASSED = {'OK', 'EXPECTEDFAIL'}
SKIPPED = {'SKIP'}


def main(path):
    passed = failed = skipped = 0
    try:
        with open(path, encoding='utf-8') as f:
            for line in f:
                if not line.strip():
                    continue
                result = json.loads(line).get('result')
                if result in PASSED:
                    passed += 1
                elif result in SKIPPED:
                    skipped += 1
                else:
                    failed += 1  # FAIL, TIMEOUT, ERROR, UNEXPECTEDPASS, ...
    except OSError as e:
        print(f'test-summary: cannot read {path}: {e.strerror}', file=sys.stderr)
    line = f'{passed} passed, {failed} failed'
    if skipped:
        line += f', {skipped} skipped'
    print(line)
    return 0 if passed and not failed else 1


if __name__ == '__main__':
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1]))
