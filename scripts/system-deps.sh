#!/usr/bin/env bash
# Installs the system libraries riskreg needs beyond Python: Pango (WeasyPrint renders PDFs with
# it) and a CJK font (fonts-noto-cjk) so Chinese text in PDFs is real text, never boxes.
# Idempotent and quick when everything is present.
set -euo pipefail

missing=()
# Read the lists into variables first: `cmd | grep -q` under pipefail fails when grep stops
# reading early (SIGPIPE), which made this script reinstall packages that were present.
libs=$(ldconfig -p 2>/dev/null || true)
fonts=$(fc-list 2>/dev/null || true)
grep -q 'libpango-1.0.so' <<<"$libs" || missing+=(libpango-1.0-0 libpangoft2-1.0-0)
# PDFs use Noto Serif CJK SC (body) and Noto Sans CJK SC (headings); both come in fonts-noto-cjk.
if ! grep -qi 'Noto Sans CJK' <<<"$fonts" || ! grep -qi 'Noto Serif CJK' <<<"$fonts"; then
  missing+=(fonts-noto-cjk)
fi
command -v fc-list >/dev/null || missing+=(fontconfig)
# The power-flow charts (powers/charts.py) are laid out by Graphviz's `dot`.
command -v dot >/dev/null || missing+=(graphviz)

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
  echo "安装系统依赖：${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
else
  echo "缺少系统依赖：${missing[*]}" >&2
  echo "请以管理员身份执行：sudo apt-get install ${missing[*]}" >&2
  echo "（没有它们，PDF 导出不可用；其余功能不受影响。）" >&2
fi
