#!/usr/bin/env bash
# Prints the absolute path of a real Python 3.13 interpreter (not a pyenv shim), or fails.
# sam build and venvs need the real binary: a shim fails SAM's interpreter check.
set -euo pipefail
candidates=(python3.13)
if command -v pyenv >/dev/null 2>&1; then
  while read -r version; do
    candidates+=("$(pyenv root)/versions/$version/bin/python3.13")
  done < <(pyenv versions --bare 2>/dev/null | grep -E '^3\.13(\.|$)' | sort -rV)
fi
candidates+=(/usr/local/bin/python3.13 /usr/bin/python3.13)
for candidate in "${candidates[@]}"; do
  real=$("$candidate" -c 'import sys; print(sys.executable) if sys.version_info[:2] == (3, 13) else sys.exit(1)' 2>/dev/null) || continue
  echo "$real"
  exit 0
done
echo "find-python: no Python 3.13 found (install it, e.g. 'pyenv install 3.13')" >&2
exit 1
