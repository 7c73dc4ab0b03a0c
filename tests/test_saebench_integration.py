"""SAEBench, dashboards and pretrained SAEs (#20): the config fields Phase 4 reads, the optional extra, and the summary / report
sections drawn from Phase 4's record."""
import json
import tomllib
from pathlib import Path

import pytest

from polytope_hsae.config import ConfigError, EvalConfig

ROOT = Path(__file__).resolve().parent.parent


def test_eval_config_saebench_fields_are_validated():
    e = EvalConfig()
    assert (e.saebench, e.saebench_seeds, e.saebench_absorption_words, e.pretrained) == (True, 1, 0, "")
    assert e.dashboards > 0 and e.saebench_tokens > 0
    for bad in ({"saebench_tokens": 0}, {"saebench_meta_steps": 0}, {"saebench_meta_batch": -1}, {"saebench_seeds": -1},
                {"saebench_absorption_words": -5}, {"dashboards": -1}, {"pretrained": "gemma-scope-2-270m-pt-res-all"},
                {"pretrained": "/layer_17"}):
        with pytest.raises(ConfigError, match="eval." + next(iter(bad))):
            EvalConfig(**bad)
    assert EvalConfig(pretrained="gemma-scope-2-270m-pt-res-all/layer_17_width_16k_l0_small").pretrained.endswith("l0_small")


def test_sae_bench_is_an_optional_extra_not_a_core_dependency():
    "sae-bench 0.6.0 pins numpy<2, datasets<4 and (through sae-probes) pandas<3: it must not enter the core dependencies."
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert not any(d.replace("_", "-").startswith("sae-bench") for d in project["dependencies"])
    assert any(d.startswith("sae-bench") for d in project["optional-dependencies"]["saebench"])
    assert not any(d.startswith("sae-dashboard") for d in project["dependencies"])


def test_report_sections_from_a_phase4_summary(tmp_path):
    "collect_summary carries phase4's saebench / dashboards records into the summary; the report's sections show them."
    from polytope_hsae.dashboards import dashboards_html
    from polytope_hsae.pipeline import collect_summary
    from polytope_hsae.saebench import eval_status, saebench_html
    sb = {"sae_bench_installed": False, "evals": eval_status(0), "config": {"tokens": 10, "meta_steps": 5, "meta_batch": 4},
          "models": {"teacher": {"0": {"core": {"cossim": 0.9, "l0": 3.0}, "meta_structure": {"decoder_fraction_variance_explained": 0.3}}}},
          "random_decoder": {"meta_structure": {"decoder_fraction_variance_explained": 0.1}},
          "pretrained": {"spec": "gemma-scope-2-270m-pt-res-all/layer_17_width_16k_l0_small", "status": "needs hub", "reason": "offline"},
          "seconds": 1.0}
    h = saebench_html(sb)
    assert "<td>teacher</td>" in h and "needs hub" in h and "0.9" in h and "layer_17_width_16k_l0_small" in h
    d = {"index": "dashboards/index.html", "groups": {"teacher": [{"level": "parent", "concept": "person.n.01", "latent": 5,
                                                                  "page": "teacher/parent_5.html"}]}}
    assert "href='dashboards/teacher/parent_5.html'" in dashboards_html(d)
    (tmp_path / "phase4").mkdir()
    (tmp_path / "phase4" / "summary.json").write_text(json.dumps({"saebench": sb, "dashboards": d}))
    s = collect_summary(tmp_path)
    assert s["saebench"] == sb and s["dashboards"] == d
