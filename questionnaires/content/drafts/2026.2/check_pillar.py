"""Check one drafted pillar: splice it into a copy of the 2026.1 file and run the real parser.

    cd questionnaires/content/drafts/2026.2
    DJANGO_DEBUG=1 ../../../../.venv/bin/python check_pillar.py skills skills.yaml

The draft file holds ONE pillar as a YAML list item (starting with "- code: PILLAR_CODE"), indented
as in readiness-2026.1.yaml or not (it is re-indented). Prints every problem the loader finds, the
number of questions per pillar, and the seed citations that could not be found (a rough check that
quoted headings exist in the seed text).
"""

import os
import re
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[4]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "readiness.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")
import django  # noqa: E402

django.setup()
from questionnaires.loader import ContentError, parse_questionnaire_file  # noqa: E402

code, draft_path = sys.argv[1], sys.argv[2]
base = yaml.safe_load((ROOT / "questionnaires/content/readiness-2026.1.yaml").read_text())
draft = yaml.safe_load(Path(draft_path).read_text())
if isinstance(draft, list):
    draft = draft[0]
assert draft["code"] == code, f"the draft's pillar code is {draft['code']!r}, not {code!r}"
base["label"] = "2026.2-check"
base["pillars"] = [draft if p["code"] == code else p for p in base["pillars"]]
with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as handle:
    yaml.safe_dump(base, handle, allow_unicode=True, sort_keys=False)
try:
    content = parse_questionnaire_file(handle.name)
except ContentError as error:
    print("PROBLEMS:")
    print(error)
    sys.exit(1)
for pillar in content.pillars:
    if pillar.code == code:
        print(f"OK: pillar {code}: {len(pillar.questions)} questions")
# Rough citation check: quoted headings must occur in the cited seed file.
seeds = ROOT.parent / "shared" / "seeds"
texts = {p.name[:3]: p.read_text() for p in seeds.glob("*.txt")}
missing = []


def walk(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "source" and isinstance(value, str):
                for part in value.split(";"):
                    part = part.strip()
                    m = re.match(r"(\d{3})_\w+\.txt", part)
                    if not m:
                        missing.append(f"unparseable source: {part!r}")
                        continue
                    for quoted in re.findall(r'"([^"]+)"', part):
                        if quoted.lower() not in texts[m.group(1)].lower():
                            missing.append(f"{m.group(1)}: heading {quoted!r} not found in the seed")
            else:
                walk(value)
    elif isinstance(node, list):
        for item in node:
            walk(item)


walk(draft)
print("citation warnings:" if missing else "citations: quoted headings all found")
for line in missing:
    print("  ", line)
