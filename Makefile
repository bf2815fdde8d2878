# Two commands do all set-up on a machine with only python3:
#   make demo   — install, migrate, load the Kaizhou plan and demo accounts, serve on 127.0.0.1:$(PORT)
#   make test   — install, then the whole suite on SQLite and (when it answers) on PostgreSQL
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
STAMP := $(VENV)/.installed

.PHONY: venv demo test test-sqlite test-postgres browser-deps lint bench clean
BENCH_ROWS ?= 100000

venv: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

demo: venv
	mkdir -p var
	$(BIN)/kechuang migrate --noinput
	$(BIN)/kechuang demo
	$(BIN)/kechuang runserver 127.0.0.1:$(PORT)

# Chromium for the browser tests comes from Debian's packages (browser downloads are impossible on
# the intranet). Installed when missing and we may install; otherwise the browser tests say why they skip.
browser-deps:
	@if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi 'Noto Sans CJK'; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "安装 Chromium 与中文字体（Debian 软件包）…"; \
	    (apt-get install -y -qq chromium chromium-driver fonts-noto-cjk >/dev/null 2>&1 || \
	     (apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq chromium chromium-driver fonts-noto-cjk >/dev/null 2>&1)) || \
	     echo "无法安装 Chromium，浏览器测试将跳过。"; \
	  else echo "未找到 Chromium 且无权安装，浏览器测试将跳过。"; fi; \
	fi

# The two rounds run side by side (one per core); the PostgreSQL round's output follows the SQLite one's.
test: venv browser-deps lint
	@log=$$(mktemp); $(MAKE) --no-print-directory test-postgres >$$log 2>&1 & pg=$$!; \
	$(MAKE) --no-print-directory test-sqlite; sqlite=$$?; wait $$pg; postgres=$$?; \
	cat $$log; rm -f $$log; test $$sqlite = 0 && test $$postgres = 0

test-sqlite:
	$(BIN)/python -m pytest -q

test-postgres:
	@if $(BIN)/python -c "import psycopg,sys; psycopg.connect('$(PG_URL)', connect_timeout=3).close()" 2>/dev/null; then \
	  echo "== PostgreSQL =="; DATABASE_URL=$(PG_URL) $(BIN)/python -m pytest -q; \
	else echo "PostgreSQL 未在 127.0.0.1:5432 应答，跳过 PostgreSQL 轮次。"; fi

# ruff (style), and the layer and no-circle contracts of .importlinter (a wrong import fails here)
lint: venv
	$(BIN)/ruff check kechuang
	$(BIN)/ruff format --check kechuang
	$(BIN)/lint-imports

# Benchmarks print ratios against named baselines measured in the same run (never part of make test):
# all of them on SQLite, then on PostgreSQL when it answers (bench/all.sh).
bench: venv
	PY=$(BIN)/python BENCH_ROWS=$(BENCH_ROWS) PG_URL=$(PG_URL) sh bench/all.sh

clean:
	rm -rf $(VENV) var
