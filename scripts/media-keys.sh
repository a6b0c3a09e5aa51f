#!/usr/bin/env bash
# The key pair CloudFront verifies media URLs with (SPEC 16, docs/MEDIA.md "Media through CloudFront").
# Makes an RSA 2048 pair with openssl, stores the private key in Secrets Manager as
# ape-moments-<stage>-media-signing-key-<version> (the name the template gives the functions), and
# prints the public key for the MediaSigningPublicKey parameter. The private key touches only a
# private temporary folder, removed on exit; it is never printed.
# Needs the AWS CLI with credentials for the stack's account, in the stack's region.
set -euo pipefail
stage="${1:?usage: scripts/media-keys.sh dev|staging|prod [version]}"
version="${2:-1}"
case "$stage" in dev | staging | prod) ;; *) echo "stage must be dev, staging or prod" >&2; exit 2 ;; esac
case "$version" in '' | *[!0-9]*) echo "version must be a number (MediaSigningKeyVersion)" >&2; exit 2 ;; esac
secret="ape-moments-${stage}-media-signing-key-${version}"
folder="$(mktemp -d)"
trap 'rm -rf "$folder"' EXIT
umask 077
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$folder/private.pem" 2>/dev/null
openssl pkey -in "$folder/private.pem" -pubout -out "$folder/public.pem"
if aws secretsmanager describe-secret --secret-id "$secret" >/dev/null 2>&1; then
  echo "$secret exists already: bump the version to rotate (docs/MEDIA.md, rotation)" >&2
  exit 1
fi
aws secretsmanager create-secret --name "$secret" \
  --description "Ape Moments ${stage}: private key signing CloudFront media URLs (MediaSigningKeyVersion ${version})" \
  --secret-string "file://$folder/private.pem" >/dev/null
echo "Stored the private key as $secret. Deploy with MediaSigningKeyVersion=${version} and MediaSigningPublicKey:"
cat "$folder/public.pem"
