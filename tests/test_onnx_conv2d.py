"""1-D convolutions rewritten as 2-D ones give the same outputs in ONNX Runtime."""
import numpy as np
import pytest
import torch

ort = pytest.importorskip("onnxruntime")
onnx = pytest.importorskip("onnx")


class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.a = torch.nn.Conv1d(4, 6, 5, dilation=2, padding=4)
        self.b = torch.nn.ConvTranspose1d(6, 3, 10, stride=5, padding=3, output_padding=1)
        self.c = torch.nn.Conv1d(3, 3, 3, groups=3, padding=1, bias=False)
        self.d = self.a                                  # a weight used twice

    def forward(self, x):
        y = torch.sin(self.a(x)) + self.d(torch.cos(x))
        return self.c(self.b(y))


def test_convolutions_become_2d_with_the_same_output(tmp_path):
    from core.onnx_conv2d import conv_2d, rewrite_file
    torch.manual_seed(0)
    net = Net().eval()
    path = tmp_path / "net.onnx"
    from core.preview_ort import warnings_quiet
    with torch.no_grad(), warnings_quiet():
        torch.onnx.export(net, (torch.randn(1, 4, 16),), str(path), dynamo=False,
                          input_names=["x"], output_names=["y"], dynamic_axes={"x": {2: "t"}})
    assert rewrite_file(path) == 4
    model = onnx.load(str(path))
    convs = [n for n in model.graph.node if n.op_type in ("Conv", "ConvTranspose")]
    shapes = {i.name: len(i.dims) for i in model.graph.initializer}
    assert len(convs) == 4 and all(shapes[n.input[1]] == 4 for n in convs)
    assert sum(v == 3 for v in shapes.values()) == 0          # no 1-D weight left behind
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    for t in (7, 40):                                          # any length, as exported
        x = torch.randn(1, 4, t)
        with torch.no_grad():
            want = net(x).numpy()
        got = session.run(None, {"x": x.numpy()})[0]
        assert got.shape == want.shape and np.allclose(got, want, atol=1e-5)
    again = conv_2d(onnx.load(str(path)))                      # a second pass changes nothing
    assert sum(n.op_type == "Unsqueeze" for n in again.graph.node) == 4
    onnx.checker.check_model(again)
