#!/usr/bin/env bash
# Validates the committed admin templates (docs/policy-templates/, generated from the schema;
# the drift test in crates/deskside-config/tests/templates.rs keeps them equal to the code):
#   - ADMX + ADML against Microsoft's schema (xmllint, ../shared/contracts/admx, beside the
#     checkout; DESKSIDE_CONTRACTS names another folder);
#   - ADMX <-> ADML ids: every $(string.X) and $(presentation.X) exists in every ADML, every
#     presentation control refers to an element of the ADMX, no ADML string is unused;
#   - the .mobileconfig and the ProfileManifest round-trip through Python's plistlib;
#   - the Jamf Pro schema is valid JSON Schema (check-jsonschema --check-metaschema; installed
#     by scripts/install-check-jsonschema.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
dir=docs/policy-templates
contracts="${DESKSIDE_CONTRACTS:-../shared/contracts}"
tools="${DESKSIDE_POLICY_TOOLS:-/opt/deskside-policy-tools}"

xsd="$contracts/admx/PolicyDefinitionFiles.xsd"
[[ -f $xsd ]] || { echo "check-policy-templates: $xsd not found (the contracts folder sits beside the checkout)" >&2; exit 1; }
adml=("$dir"/windows/*/deskside.adml)
xmllint --noout --schema "$xsd" "$dir/windows/deskside.admx" "${adml[@]}"

python3 - "$dir" "${adml[@]}" <<'PY'
import plistlib, re, sys
import xml.etree.ElementTree as ET
ns = {"p": "http://schemas.microsoft.com/GroupPolicy/2006/07/PolicyDefinitions"}
d = sys.argv[1]
admx_text = open(f"{d}/windows/deskside.admx", encoding="utf-8").read()
admx = ET.fromstring(admx_text)
strings_used = set(re.findall(r"\$\(string\.([^)]+)\)", admx_text))
pres_used = set(re.findall(r"\$\(presentation\.([^)]+)\)", admx_text))
element_ids = {e.get("id") for tag in ("decimal", "text", "enum", "list")
               for e in admx.iter(f"{{{ns['p']}}}{tag}")}
problems = []
for path in sys.argv[2:]:
    adml = ET.parse(path).getroot()
    strings = {s.get("id") for s in adml.iter(f"{{{ns['p']}}}string")}
    pres = {p.get("id") for p in adml.iter(f"{{{ns['p']}}}presentation")}
    problems += [f"{path}: missing string {s}" for s in sorted(strings_used - strings)]
    problems += [f"{path}: unused string {s}" for s in sorted(strings - strings_used)]
    problems += [f"{path}: missing presentation {p}" for p in sorted(pres_used - pres)]
    for p in adml.iter(f"{{{ns['p']}}}presentation"):
        for control in p:
            ref = control.get("refId")
            if ref is not None and ref not in element_ids:
                problems.append(f"{path}: {p.get('id')}: refId {ref} is no element of the ADMX")
for name in ("deskside-example.mobileconfig", "dev.deskside.tray.plist"):
    data = open(f"{d}/macos/{name}", "rb").read()
    value = plistlib.loads(data)
    again = plistlib.loads(plistlib.dumps(value))
    if again != value:
        problems.append(f"{name}: does not round-trip through plistlib")
profile = plistlib.loads(open(f"{d}/macos/deskside-example.mobileconfig", "rb").read())
if profile.get("PayloadType") != "Configuration" or not any(
        p.get("PayloadType") == "dev.deskside.tray" for p in profile.get("PayloadContent", [])):
    problems.append("deskside-example.mobileconfig: no dev.deskside.tray payload")
manifest = plistlib.loads(open(f"{d}/macos/dev.deskside.tray.plist", "rb").read())
if manifest.get("pfm_domain") != "dev.deskside.tray":
    problems.append("dev.deskside.tray.plist: pfm_domain is not dev.deskside.tray")
for p in problems:
    print(p, file=sys.stderr)
if problems:
    sys.exit(1)
print(f"ADMX/ADML ids cross-reference ({len(strings_used)} strings, {len(pres_used)} presentations); plists round-trip")
PY

checker="$tools/venv/bin/check-jsonschema"
if [[ ! -x $checker ]]; then
  echo "check-policy-templates: $checker missing: run scripts/install-check-jsonschema.sh (scripts/bootstrap-tests.sh does)" >&2
  exit 1
fi
"$checker" --check-metaschema "$dir/macos/dev.deskside.tray.json"
echo "check-policy-templates: ok"
