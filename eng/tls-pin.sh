#!/usr/bin/env bash
# Prints the SHA-256 fingerprint (64 hex digits) of the certificate a TLS host presents, for
# Simplestack:XenApi:CertificatePins or Simplestack:VSphere:CertificatePins. XCP-ng, XenServer and
# ESXi hosts ship self-signed certificates: compare what this prints with the fingerprint the host
# itself shows (XenServer: `openssl x509 -in /etc/xensource/xapi-ssl.pem -noout -fingerprint -sha256`
# on the host) before pinning it.
#   eng/tls-pin.sh HOST[:PORT]        (port 443 when absent)
set -euo pipefail
if [ $# -ne 1 ]; then
  echo "usage: $0 HOST[:PORT]" >&2
  exit 2
fi
target=$1
[[ "$target" == *:* ]] || target="$target:443"
host=${target%:*}
fingerprint=$(openssl s_client -connect "$target" -servername "$host" </dev/null 2>/dev/null \
  | openssl x509 -noout -fingerprint -sha256 2>/dev/null) \
  || { echo "$0: no TLS certificate from $target" >&2; exit 1; }
fingerprint=${fingerprint#*=}
echo "${fingerprint//:/}"
