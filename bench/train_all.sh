#!/usr/bin/env bash
# Train every shipped small model in one go and copy it into the package (dream_agent/models/<env>/).
# Meant for a GPU machine (DEVICE=cuda); on a CPU it works too, only slower. Run from the repository root:
#   DEVICE=cuda bash bench/train_all.sh            # recipe step counts
#   DEVICE=cuda STEPS_SCALE=4 bash bench/train_all.sh   # four times the recipe's steps
set -euo pipefail
DEVICE=${DEVICE:-cpu}
SEED=${SEED:-0}
STEPS_SCALE=${STEPS_SCALE:-1}
RUNS=${RUNS:-runs}
PY=${PYTHON:-python}
mkdir -p "$RUNS"
for env in sudoku4x4 sudoku countdown blocksworld kitchen; do
  steps=$("$PY" -c "from dream_agent.training import RECIPES; print(int(RECIPES['$env'].steps * $STEPS_SCALE))")
  echo "== $env: $steps steps on $DEVICE"
  "$PY" -m dream_agent.cli train "$env" --steps "$steps" --seed "$SEED" --device "$DEVICE" \
    --out "$RUNS/$env" --resume --log "$RUNS/$env.log"
  mkdir -p "dream_agent/models/$env"
  cp "$RUNS/$env/config.json" "$RUNS/$env/model.safetensors" "$RUNS/$env/card.md" "dream_agent/models/$env/"
done
"$PY" -m dream_agent.cli models
