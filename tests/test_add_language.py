"""A language is its data: copied into a data root (TACTFUL_DATA), a new pack, its teaching files, its
model and its phrase bank are a language the command line checks and drafts in, with no Python edit."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tactful.catalog import ROOT


@pytest.fixture(scope="module")
def data_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped data, plus "xx": English copied under a new code and name (as a translator would start)."""
    root = tmp_path_factory.mktemp("data")
    for name in ("guardrails", "prompts", "evals"):
        shutil.copytree(ROOT / name, root / name)
    gr = root / "guardrails"
    pack = (gr / "lang" / "en.yaml").read_text(encoding="utf-8").replace("\nname: English\n", "\nname: Testish\n", 1)
    assert "name: Testish" in pack
    (gr / "lang" / "xx.yaml").write_text(pack, encoding="utf-8")
    for path in (gr / "teach").glob("en.*"):
        (gr / "teach" / path.name.replace("en.", "xx.", 1)).write_text(
            path.read_text(encoding="utf-8").replace("lang: en\n", "lang: xx\n", 1), encoding="utf-8")
    for suffix in (".npz", ".json"):
        shutil.copy(gr / "model" / f"en{suffix}", gr / "model" / f"xx{suffix}")
    shutil.copy(root / "prompts" / "offline" / "en.yaml", root / "prompts" / "offline" / "xx.yaml")
    case = (root / "evals" / "cases" / "bad_news" / "en-credit-denied.yaml").read_text(encoding="utf-8")
    (root / "case-xx.yaml").write_text(case.replace("\nlang: en\n", "\nlang: xx\n", 1), encoding="utf-8")
    return root


def tactful(data: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TACTFUL_DATA": str(data)}
    env = {k: v for k, v in env.items() if not k.startswith("OPENAI_")}
    return subprocess.run([sys.executable, "-m", "tactful", *args], cwd=cwd, env=env, capture_output=True, text=True,
                          check=False)


def test_a_language_added_as_data_drafts_and_checks(data_root: Path, tmp_path: Path) -> None:
    drafted = tactful(data_root, "draft", str(data_root / "case-xx.yaml"), cwd=tmp_path)
    assert drafted.returncode == 0, drafted.stderr
    assert "Guardrails passed" in drafted.stdout and "Dear Mr. Arun Lee," in drafted.stdout
    letter = tmp_path / "letter.txt"
    letter.write_text(drafted.stdout.split("\n\nGuardrails passed")[0].split("\n\ndraft: PASSED")[0], encoding="utf-8")
    checked = tactful(data_root, "check", str(letter), "--kind", "bad_news", "--lang", "xx", "--facts",
                      str(data_root / "case-xx.yaml"), cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "PASSED (bad_news, xx)" in checked.stdout


def test_the_new_language_is_offered_and_an_unknown_one_is_refused_by_name(data_root: Path, tmp_path: Path) -> None:
    helped = tactful(data_root, "check", "--help", cwd=tmp_path)
    assert "xx" in helped.stdout.split("--lang")[1].split("\n")[0]
    unknown = tmp_path / "case-zz.yaml"
    unknown.write_text((data_root / "case-xx.yaml").read_text(encoding="utf-8").replace("lang: xx", "lang: zz"))
    refused = tactful(data_root, "draft", str(unknown), cwd=tmp_path)
    assert refused.returncode == 2
    assert "field 'lang': input should be 'en', 'bn', 'es', 'ms', 'th' or 'xx'" in refused.stderr
    shipped = tactful(ROOT, "draft", str(data_root / "case-xx.yaml"), cwd=tmp_path)  # the shipped data has no xx
    assert shipped.returncode == 2 and "field 'lang': input should be 'en', 'bn', 'es', 'ms' or 'th'" in shipped.stderr


def test_kinds_declare_their_facts_types_roles_and_labels(tmp_path: Path) -> None:
    """The form, the letter selector, the signature and the cc line read the kinds' data, not Python lists."""
    from tactful.catalog import Catalog
    from tactful.errors import DataFileError

    for name in ("guardrails", "prompts", "evals"):
        shutil.copytree(ROOT / name, tmp_path / name)
    kind = tmp_path / "guardrails" / "kinds" / "bad_news.yaml"
    text = kind.read_text(encoding="utf-8")
    kind.write_text(text.replace("choice: Bad news to a client", "choice: Tell a client no")
                    .replace("{name: impact, type: long_text,", "{name: impact, type: text,"), encoding="utf-8")
    catalog = Catalog(tmp_path)
    assert next(iter(catalog.choices)) == "Tell a client no" and catalog.choices["Tell a client no"] == ("bad_news", None)
    assert next(f for f in catalog.kind("bad_news").stage(None).facts if f.name == "impact").type == "text"
    assert catalog.kind("win_back").stage(None).with_role("signature") == ["owner_signature"]
    assert catalog.kind("complaint_reply").stage("resolution").with_role("cc") == ["cc"]
    kind.write_text(text.replace("{name: impact, type: long_text,", "{name: impact, type: paragraph,"), encoding="utf-8")
    with pytest.raises(DataFileError) as bad:
        Catalog(tmp_path)
    assert "bad_news.yaml" in bad.value.message and "line" in bad.value.message and "type" in bad.value.message


def test_tones_come_from_the_data_and_the_data_checks_itself(data_root: Path, tmp_path: Path) -> None:
    """A tone added to prompts/tones.yaml is offered at once; a prompt version without an instruction for it
    is refused, naming the file and field, until a version gives one."""
    root = tmp_path / "data"
    shutil.copytree(data_root, root)
    tones = root / "prompts" / "tones.yaml"
    tones.write_text(tones.read_text(encoding="utf-8").replace("firm]", "firm, brisk]"), encoding="utf-8")
    helped = tactful(root, "draft", "--help", cwd=tmp_path)
    assert "brisk" in helped.stdout.split("--tone")[1].split("\n")[0]
    refused = tactful(root, "draft", str(root / "case-xx.yaml"), "--tone", "brisk", "--prompt", "v3", cwd=tmp_path)
    assert refused.returncode == 2
    assert "v3.yaml" in refused.stderr and "no instruction for tones ['brisk']" in refused.stderr


def test_every_data_file_is_read_from_the_catalogs_root_and_checked(tmp_path: Path) -> None:
    """Prompt versions, phrase banks, the rubric and the prices come from the catalog's root, validated: a
    change in a copied data root is what the product reads, and a bad price names its file, line and field."""
    from tactful.catalog import load
    from tactful.drafting.offline import load_bank
    from tactful.errors import DataFileError
    from tactful.evals.rubric import load_rubric
    from tactful.evals.run import prices
    from tactful.prompts import load_version

    for name in ("guardrails", "prompts", "evals"):
        shutil.copytree(ROOT / name, tmp_path / name)
    bank = tmp_path / "prompts" / "offline" / "en.yaml"
    bank.write_text(bank.read_text(encoding="utf-8").replace("signature: |\n", "signature: |\n  From the copy\n", 1),
                    encoding="utf-8")
    version = tmp_path / "prompts" / "v3.yaml"
    version.write_text(version.read_text(encoding="utf-8").replace('label: "v3:', 'label: "copied v3:', 1), encoding="utf-8")
    rubric = tmp_path / "evals" / "rubric.yaml"
    rubric.write_text(rubric.read_text(encoding="utf-8").replace("criteria:", "criteria:\n  warmth: copied", 1),
                      encoding="utf-8")
    price_file = tmp_path / "evals" / "prices.yaml"
    price_file.write_text("models:\n  m1: {input_per_million: 1, output_per_million: 2}\n", encoding="utf-8")
    assert load_bank("en", tmp_path).signature.startswith("From the copy")
    copied = load_version("v3", tmp_path).label
    assert copied.startswith("copied") and load_version("v3").label != copied
    assert "warmth" in load_rubric(tmp_path).criteria
    assert prices(tmp_path) == {"m1": {"input_per_million": 1.0, "output_per_million": 2.0}}
    load.cache_clear()  # a new file: read it again
    price_file.write_text("models:\n  m1: {input_per_million: 1, output_per_million: 2}\n"
                          "  m2: {input_per_million: cheap, output_per_million: 2}\n", encoding="utf-8")
    with pytest.raises(DataFileError) as bad:
        prices(tmp_path)
    assert "prices.yaml, line 3" in bad.value.message and "models.m2.input_per_million" in bad.value.message


def test_a_language_in_a_new_script_is_its_data(tmp_path: Path) -> None:
    """A Devanagari pack: its script named in guardrails/scripts.yaml and the pack's `script:` is all it takes for
    its vowel signs to be inside words, its digits to be numbers, and a letter in it to be recognised as it."""
    root = tmp_path / "data"
    for name in ("guardrails", "prompts", "evals"):
        shutil.copytree(ROOT / name, root / name)
    gr = root / "guardrails"
    probe = ("from tactful.text import words, normalise\n"
             "from tactful.catalog import load\n"
             "from tactful.guardrails.language import letter_language\n"
             "print(words('नमस्ते दुनिया', 'bengali'), normalise('१२ रुपये'))\n"
             "print(letter_language('प्रिय ग्राहक, आपकी शिकायत के लिए धन्यवाद।', load())[0])\n")

    def run() -> list[str]:
        env = {**os.environ, "TACTFUL_DATA": str(root)}
        done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr
        return done.stdout.splitlines()

    pack = (gr / "lang" / "bn.yaml").read_text(encoding="utf-8")
    pack = pack.replace("\nname: বাংলা", "\nname: हिन्दी", 1).replace("script: bengali", "script: devanagari", 1)
    (gr / "lang" / "hi.yaml").write_text(pack.replace("detector: BENGALI", "detector: HINDI", 1), encoding="utf-8")
    env = {**os.environ, "TACTFUL_DATA": str(root)}
    refused = subprocess.run([sys.executable, "-m", "tactful", "check", "-", "--kind", "bad_news", "--lang", "hi"],
                             env=env, input="नमस्ते", capture_output=True, text=True, check=False)
    assert refused.returncode == 2 and "hi.yaml" in refused.stderr and "unknown script 'devanagari'" in refused.stderr
    with (gr / "scripts.yaml").open("a", encoding="utf-8") as fh:
        fh.write("devanagari: {ranges: [0900-097F]}\n")
    split, found = run()
    assert split == "['नमस्ते', 'दुनिया'] 12 रुपये"  # without the script, ्  and े would cut the word in three
    assert found == "hi"
