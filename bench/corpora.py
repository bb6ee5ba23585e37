"""Benchmark corpora, prepared from installed or installable packages and cached under bench/.cache/.

Three corpora, each a list of documents (str) for batch encoding:

- ``english``: prose from GCIDE, the Collaborative International Dictionary of English
  (Debian package ``dict-gcide``, fetched with ``apt-get download`` and unpacked with ``dpkg-deb -x``).
  Dictionary markup is stripped; every paragraph becomes one single-line document.
- ``code``: Python source files of the running interpreter's standard library (tests excluded),
  cut into documents of 50 lines that keep their newlines and indentation.
- ``multilingual``: the translated strings (msgstr) of the gettext catalogs (.mo files) that installed
  Debian packages ship under /usr/share/locale, in accented-Latin, Cyrillic, Greek and CJK languages.

Each corpus is written once as JSON lines (one document per line) plus a small meta file that says how
it was made, so later runs only read the cache. Selection is deterministic for a given machine.
"""

from __future__ import annotations

import glob
import gzip
import json
import os
import re
import struct
import subprocess
import sysconfig
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

CACHE_DIR = Path(__file__).resolve().parent / ".cache"
FULL_TARGET_BYTES = {"english": 10_600_000, "code": 4_000_000, "multilingual": 4_000_000}
QUICK_TARGET_BYTES = 1_000_000
CODE_LINES_PER_DOC = 50
ML_LANGUAGES = ["fr", "de", "es", "pl", "cs", "vi", "ru", "uk", "bg", "el", "zh_CN", "zh_TW", "ja", "ko"]


@dataclass
class Corpus:
    """One benchmark corpus: its documents and a description of how it was made."""

    name: str
    docs: list[str]
    source: str

    @property
    def n_bytes(self) -> int:
        return sum(len(d.encode("utf-8", "surrogatepass")) for d in self.docs)

    @property
    def n_chars(self) -> int:
        return sum(len(d) for d in self.docs)


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def spread_select(docs: list[str], target_bytes: int) -> list[str]:
    """Keep about ``target_bytes`` of ``docs``, spread evenly over the whole list (order kept).

    Every document earns credit in proportion to target/total; one is kept whenever the
    accumulated credit covers its size, so the sample covers A..Z rather than just A..M.
    """
    sizes = [len(d.encode("utf-8", "surrogatepass")) for d in docs]
    total = sum(sizes)
    if total <= target_bytes:
        return list(docs)
    frac = target_bytes / total
    kept, credit = [], 0.0
    for doc, size in zip(docs, sizes):
        credit += size * frac
        if credit >= size:
            kept.append(doc)
            credit -= size
    return kept


# ---------------------------------------------------------------- English prose (GCIDE)

# GCIDE writes accented letters as bracketed codes: [a^] breve, [^a] circumflex, [=e] macron,
# ['e] acute, [`e] grave, ["o] / [aum] diaeresis, [~n] tilde, [.a] dot above, [,c] cedilla.
_GCIDE_WORDS = {"ae": "æ", "AE": "Æ", "oe": "œ", "OE": "Œ", "eth": "ð", "thorn": "þ", "ng": "ŋ",
                "deg": "°", "sect": "§", "imac": "ī", "yogh": "ȝ"}
_MARK_BEFORE = {"=": "\u0304", "-": "\u0304", "^": "\u0302", "'": "\u0301", "`": "\u0300",
                '"': "\u0308", "~": "\u0303", ".": "\u0307", ",": "\u0327", "*": "\u030a"}
_MARK_AFTER = {"^": "\u0306", "um": "\u0308", "mac": "\u0304"}
_CODE_RE = re.compile(r"\[([=\-^'`\"~.,*]?)([a-zA-Z]{1,2}|eth|thorn|imac|yogh|deg|sect)(\^|um|mac)?\]")
_HEADWORD_PRON_RE = re.compile(r"\\[^\\\n]*\\")
_TAG_LINE_RE = re.compile(r"^\s*\[[^\]]*\]\s*$")


def _gcide_code(m: re.Match[str]) -> str:
    before, letters, after = m.group(1), m.group(2), m.group(3)
    if not before and not after:
        # "[ae]" is a ligature; other bare letters ("[R]") are editorial text, kept as written.
        return _GCIDE_WORDS.get(letters, m.group(0))
    mark = _MARK_BEFORE.get(before, "") if before else _MARK_AFTER.get(after or "", "")
    base = _GCIDE_WORDS.get(letters, letters)
    return unicodedata.normalize("NFC", base[0] + mark + base[1:])


def gcide_paragraphs(dict_text: str) -> list[str]:
    """Turn the dictd text of GCIDE into prose paragraphs, one line each."""
    paras: list[str] = []
    for block in re.split(r"\n\s*\n", dict_text):
        lines = [ln.strip() for ln in block.splitlines() if not _TAG_LINE_RE.match(ln)]
        text = " ".join(ln for ln in lines if ln)
        if not text or text.startswith("00-database") or "Begin file" in text:
            continue
        text = _HEADWORD_PRON_RE.sub("", text)  # the \Ar*ro"gant\ syllable/stress spelling
        text = _CODE_RE.sub(_gcide_code, text)
        text = text.replace("{", "").replace("}", "")
        text = re.sub(r"\s+", " ", text).strip()
        if len(text) >= 20:
            paras.append(text)
    return paras


def _gcide_dict_file() -> Path:
    """Fetch and unpack dict-gcide into the cache (needs apt-get and dpkg-deb, no root install)."""
    root = CACHE_DIR / "gcide"
    found = sorted(root.glob("usr/share/dictd/gcide.dict.dz"))
    if found:
        return found[0]
    debs = CACHE_DIR / "debs"
    debs.mkdir(parents=True, exist_ok=True)
    if not list(debs.glob("dict-gcide_*.deb")):
        cmd = ["apt-get", "download", "dict-gcide"]
        if subprocess.run(cmd, cwd=debs, capture_output=True).returncode != 0:
            subprocess.run(["apt-get", "update"], capture_output=True, check=False)
            subprocess.run(cmd, cwd=debs, capture_output=True, check=True)
    deb = sorted(debs.glob("dict-gcide_*.deb"))[-1]
    subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True)
    return root / "usr/share/dictd/gcide.dict.dz"


def build_english() -> Corpus:
    dz = _gcide_dict_file()
    # dictd's .dz is gzip-compatible; a few bytes are cp1252 quotes, so decode leniently.
    text = gzip.open(dz).read().decode("utf-8", "replace")
    paras = gcide_paragraphs(text)
    docs = spread_select(paras, FULL_TARGET_BYTES["english"])
    source = (f"GCIDE 0.48 (Debian `dict-gcide`, `{dz.name}` via `apt-get download` + `dpkg-deb -x`): "
              f"markup stripped, accent codes mapped to Unicode, one paragraph per document; "
              f"{len(docs):,} of {len(paras):,} paragraphs, spread evenly over A-Z")
    return Corpus("english", docs, source)


# ---------------------------------------------------------------- code (Python stdlib)

def build_code() -> Corpus:
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    skip = {"test", "tests", "idle_test", "site-packages", "__pycache__"}
    files = sorted(p for p in stdlib.rglob("*.py") if not skip & set(p.relative_to(stdlib).parts))
    docs: list[str] = []
    for path in files:
        try:
            lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        except (UnicodeDecodeError, OSError):
            continue
        for i in range(0, len(lines), CODE_LINES_PER_DOC):
            docs.append("".join(lines[i:i + CODE_LINES_PER_DOC]))
    kept = spread_select(docs, FULL_TARGET_BYTES["code"])
    source = (f"Python {'.'.join(map(str, __import__('sys').version_info[:3]))} standard library "
              f"`{stdlib}` (*.py, tests excluded, {len(files):,} files), cut into "
              f"{CODE_LINES_PER_DOC}-line documents; {len(kept):,} of {len(docs):,} spread evenly")
    return Corpus("code", kept, source)


# ---------------------------------------------------------------- multilingual (gettext catalogs)

def read_mo(path: Path) -> list[str]:
    """The msgstr texts of one GNU .mo catalog (plural forms split), header entry skipped."""
    data = path.read_bytes()
    if len(data) < 28:
        return []
    magic = struct.unpack("<I", data[:4])[0]
    endian = "<" if magic == 0x950412DE else ">"
    _, n, orig_off, trans_off = struct.unpack(endian + "4I", data[4:20])
    texts: list[str] = []
    for i in range(n):
        olen, ooff = struct.unpack(endian + "2I", data[orig_off + 8 * i: orig_off + 8 * i + 8])
        tlen, toff = struct.unpack(endian + "2I", data[trans_off + 8 * i: trans_off + 8 * i + 8])
        if olen == 0:
            continue  # the header entry (msgid "") holds metadata, not a translation
        raw = data[toff: toff + tlen]
        for part in raw.split(b"\0"):
            text = part.decode("utf-8", "ignore").strip()
            if text:
                texts.append(text)
    return texts


def build_multilingual(locale_dir: str = "/usr/share/locale") -> Corpus:
    per_lang = FULL_TARGET_BYTES["multilingual"] // len(ML_LANGUAGES)
    docs: list[str] = []
    used: list[str] = []
    n_catalogs = 0
    for lang in ML_LANGUAGES:
        files = sorted(glob.glob(f"{locale_dir}/{lang}/LC_MESSAGES/*.mo"))
        seen: set[str] = set()
        texts: list[str] = []
        for f in files:
            for t in read_mo(Path(f)):
                if t not in seen:
                    seen.add(t)
                    texts.append(t)
        if files:
            n_catalogs += len(files)
            used.append(lang)
        docs.extend(spread_select(texts, per_lang))
    source = (f"msgstr texts of {n_catalogs:,} gettext catalogs (.mo) shipped by installed Debian packages "
              f"under {locale_dir}, languages {', '.join(used)}; deduplicated per language, "
              f"~{per_lang // 1000} kB per language, one translated message per document")
    return Corpus("multilingual", docs, source)


# ---------------------------------------------------------------- cache

BUILDERS = {"english": build_english, "code": build_code, "multilingual": build_multilingual}


def load_corpus(name: str, quick: bool = False) -> Corpus:
    """Load one corpus from the cache, building it first if needed; ``quick`` keeps ~1 MB of it."""
    path = CACHE_DIR / "corpora" / f"{name}.jsonl"
    meta_path = path.with_suffix(".meta.json")
    if not (path.exists() and meta_path.exists()):
        corpus = BUILDERS[name]()
        _write_atomic(path, "".join(json.dumps(d, ensure_ascii=False) + "\n" for d in corpus.docs))
        _write_atomic(meta_path, json.dumps({"source": corpus.source}, indent=1))
    docs = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    source = json.loads(meta_path.read_text(encoding="utf-8"))["source"]
    if quick:
        docs = spread_select(docs, QUICK_TARGET_BYTES)
        source += f"; quick mode keeps {len(docs):,} documents spread evenly"
    return Corpus(name, docs, source)


if __name__ == "__main__":
    for corpus_name in BUILDERS:
        c = load_corpus(corpus_name)
        print(f"{c.name}: {len(c.docs):,} docs, {c.n_bytes / 1e6:.2f} MB, {c.n_chars:,} chars\n  {c.source}")
