#!/usr/bin/env bash
# Prints how to explore the demo registry with the CLI, with real ids from it.
set -euo pipefail
muster=$1
store=$2
listen=${3:-127.0.0.1:8080}
credentials=${4:-}
db=${store#sqlite:}
q() { sqlite3 "$db" "$1"; }
overdue=$(q "SELECT person_id FROM measures WHERE lifted_at IS NULL AND kind = 'driving' ORDER BY person_id LIMIT 1")
lifted=$(q "SELECT person_id FROM measures WHERE lifted_at IS NOT NULL AND lift_reason = 'appeared' ORDER BY person_id LIMIT 1")
deemed=$(q "SELECT person_id FROM summonses WHERE served_rule LIKE '%deemed%' ORDER BY summons_id LIMIT 1")
withheld=$(q "SELECT person_id FROM decisions WHERE outcome LIKE 'withheld%' ORDER BY decision_id LIMIT 1")
open=$(q "SELECT summons_id FROM summonses WHERE status = 'served' ORDER BY summons_id DESC LIMIT 1")
echo
echo "The demo registry is ready: $db (simulated clock). Explore it with the CLI:"
echo
hint() { printf '  %-62s # %s\n' "$muster --store $store $1" "$2"; }
hint "stats" "persons, summonses, measures"
hint "explain $overdue" "overdue: six measures in force, and why"
hint "person $overdue" "the whole timeline"
hint "explain $lifted" "appeared: measures lifted at once"
hint "person $deemed" "served by the register's deemed delivery"
hint "explain $withheld" "a measure withheld by a due-process gate"
hint "appear --summons $open" "record an appearance (lifts the exit ban)"
hint "advance --days 30" "let simulated time pass"
hint "verify" "recompute the ledger's hash chain"

if [ -n "$credentials" ] && [ -f "$credentials" ]; then
  echo
  echo "The server starts now on http://$listen — the web console and citizen portal in a"
  echo "browser, the API (docs/HTTP.md, /openapi.json) with curl. Demo accounts ($credentials):"
  echo
  while IFS=$'\t' read -r role login secret; do
    case "$role" in \#*|"") continue ;; esac
    printf '  %-32s %-18s %s\n' "$role" "$login" "$secret"
  done < "$credentials"
  echo
  echo "  Officers also need a TOTP code:  $muster --store $store account totp --login ryazan.officer"
  echo "  Citizens log in with the SNILS above (demo login). Ctrl-C stops the server."
  echo
fi
