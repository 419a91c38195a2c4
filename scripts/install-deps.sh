#!/usr/bin/env bash
# Installs every Debian package keydesk builds, tests or benchmarks with. The browser test's npm
# packages are the test command's own business (scripts/install-browser-test.sh, called by
# scripts/test.sh): the demo never needs Node.js.
# Idempotent: when everything is already installed it touches nothing and needs no network.
# Runs as root, or through sudo when invoked by another user.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake pkg-config
  # engine: working-day calendar (Boost.Date_Time), rule files (yaml-cpp),
  # JSON Schema validation (nlohmann-json + valijson)
  libboost-dev libboost-date-time-dev libyaml-cpp-dev nlohmann-json3-dev libvalijson-dev
  # engine: case store (SQLite), content hashes of rule versions and the audit chain (libsodium)
  libsqlite3-dev libsodium-dev
  # engine: the case store on PostgreSQL for a national deployment (libpq, the C client); the
  # server itself for the tests, which start a private cluster of their own (tests/postgres)
  libpq-dev postgresql
  # rules graph --format svg
  graphviz
  # cli: sub-command parsing
  libcli11-dev
  # ocr: image decoding and normalisation (Leptonica), field OCR (Tesseract 5, Simplified
  # Chinese for text, English for codes)
  libleptonica-dev libtesseract-dev tesseract-ocr tesseract-ocr-chi-sim tesseract-ocr-eng
  # ocr: colour JPEGs decoded by libjpeg-turbo straight into Leptonica's pixel layout
  libjpeg62-turbo-dev
  # ocr: a name read a character off drawn from the machine's Chinese faces (FreeType), found by
  # fontconfig, and compared with the page
  libfreetype-dev libfontconfig-dev
  # ocr: a code's letters and digits drawn in the Latin faces codes are printed in as well
  # (DejaVu; URW's Nimbus Sans, Roman and Mono, the metric twins of Arial, Times and Courier)
  fonts-dejavu-core fonts-urw-base35
  # tools/scangen (synthetic scans for tests, examples and bench): Pillow and NumPy, and CJK
  # fonts for print (WenQuanYi, AR PL Mingti) and handwriting (AR PL Kaiti)
  python3-pil python3-numpy fonts-wqy-zenhei fonts-wqy-microhei fonts-arphic-ukai fonts-arphic-uming
  # tools/scangen --variety wide: more Song, Hei and Kai faces (AR PL SungtiL GB, AR PL KaitiM GB,
  # Noto Serif/Sans CJK SC); Debian has no FangSong that covers simplified Chinese
  fonts-arphic-gbsn00lp fonts-arphic-gkai00mp fonts-noto-cjk
  # docs_gen: PDF (libharu), the font subset (HarfBuzz's hb-subset), QR codes (libqrencode) and
  # Code128 (zint) on cover sheets and manifests; wqy-zenhei (above) is the embedded TrueType font
  libhpdf-dev libharfbuzz-dev libqrencode-dev libzint-dev
  # mail/: notices and the morning digest sent over SMTP (STARTTLS or SMTPS through OpenSSL)
  libcurl4-openssl-dev
  # tests
  catch2
  # tests: a real SMTP server on loopback that records what arrives (tests/mail/smtp_sink.py),
  # to check delivery, retries and Message-IDs against the protocol, not a fake
  python3-aiosmtpd
  # tests: that server's certificate for STARTTLS and smtps://, made self-signed at test time by
  # the openssl command into the server's temporary folder (no key or certificate is committed)
  openssl
  # docs tests read the PDFs back as receivers do: pdftotext/pdffonts (poppler-utils), a fax
  # raster at 204x196 dpi (Ghostscript tiffg3), barcodes decoded by ZXingReader (zxing-cpp-tools)
  poppler-utils ghostscript zxing-cpp-tools
  # bench: the peer the calendar is measured against
  python3 python3-workalendar
  # bench: the peer the cover sheets are measured against (bench/reportlab_peer.py)
  python3-reportlab
  # tests/browser: the web counter in a real browser. Debian's Chromium, driven by playwright-core
  # from npm (scripts/install-browser-test.sh); Playwright's own downloaded browsers are never used
  chromium
  # bench: the HTTP load generator for keydesk serve (bench/run_serve.sh: requests/s and p99
  # latency of the clerk's queue)
  wrk
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
else
  if [ "$(id -u)" -eq 0 ]; then
    sudo=()
  elif command -v sudo >/dev/null 2>&1; then
    sudo=(sudo)
  else
    echo "install-deps: missing packages (${missing[*]}) and neither root nor sudo: run this script as root" >&2
    exit 2
  fi

  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -q
  "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
