"""Every optimizer in `zoo.specs.OPTIMIZERS` against a float64 numpy port of its paper or its
canonical reference code, step for step, eagerly and in a `tf.function` (as `fit` runs it).

The pattern of `test_optimizers.py::test_schedule_free_adamw_follows_its_authors_reference`
(which covers Schedule-Free AdamW), applied to the others: a (4, 3) kernel (so that Muon
orthogonalizes and Adafactor factors) and a (3,) bias (Muon's AdamW branch, Adafactor's
unfactored path), 10 steps of random gradients, at the zoo's defaults and at one non-default
setting. The ports follow Keras's deliberate, documented conventions (epsilon placement,
accumulator starts, Nadam's momentum schedule, decoupled weight decay), each oracle saying
which line of `keras/src/optimizers/` (Keras 3.15) it follows: the point is to catch bugs in
the update (reads after writes, bias corrections, decay points, shapes), not to re-derive
conventions. A disagreement that no convention explains is a finding, marked `xfail`.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf

from zoo.specs import OPTIMIZERS, parse_optimizer

STEPS = 10
NAMES = ["kernel", "bias"]
RTOL = 1e-5  # of the weights' scale: float32 Keras against float64 numpy


def _decay(w, learning_rate, weight_decay):
    """Keras's weight decay, every optimizer's (`weight_decay=`): decoupled (Loshchilov &
    Hutter 2019) and scaled by the rate as torch.optim.AdamW, w -= lr * wd * w, applied before
    the step, so the step reads the decayed weights (`_apply_weight_decay`,
    keras/src/backend/tensorflow/optimizer.py line 98; base_optimizer.py lines 588-589)."""
    return w - learning_rate * weight_decay * w if weight_decay else w


def sgd(w, grads, learning_rate, momentum=0.0, nesterov=False, weight_decay=None):
    """SGD, classical momentum v <- mu v - lr g, w <- w + v (Sutskever et al. 2013, ICML,
    eqs. 1-2), and Nesterov's (eqs. 3-4) in the shifted form torch.optim.SGD(nesterov=True)
    also uses, w <- w + mu v_new - lr g (Keras: sgd.py lines 105-121)."""
    v, out = np.zeros_like(w), []
    for g in grads:
        w = _decay(w, learning_rate, weight_decay)
        v = momentum * v - learning_rate * g
        w = w + (momentum * v - learning_rate * g if nesterov else v)
        out.append(w)
    return out


def rmsprop(w, grads, learning_rate, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False,
            weight_decay=None):  # fmt: skip
    """RMSprop (Tieleman & Hinton 2012, Coursera lecture 6.5: n <- rho n + (1 - rho) g^2,
    w <- w - lr g / sqrt(n)); centered and with momentum as Graves 2013, "Generating
    sequences with recurrent neural networks", eqs. 38-41 (g_avg, Delta <- mu Delta -
    lr g / sqrt(n - g_avg^2 + eps)), whose epsilon inside the root Keras keeps
    (rmsprop.py lines 141-146)."""
    n, g_avg, delta, out = np.zeros_like(w), np.zeros_like(w), np.zeros_like(w), []
    for g in grads:
        w = _decay(w, learning_rate, weight_decay)
        n = rho * n + (1 - rho) * g * g
        g_avg = rho * g_avg + (1 - rho) * g
        denominator = n - g_avg**2 if centered else n
        delta = momentum * delta - learning_rate * g / np.sqrt(denominator + epsilon)
        w = w + delta
        out.append(w)
    return out


def adagrad(w, grads, learning_rate, initial_accumulator_value=0.1, epsilon=1e-7,
            weight_decay=None):  # fmt: skip
    """Adagrad (Duchi, Hazan & Singer 2011, JMLR, the diagonal update
    w <- w - lr g / sqrt(sum of g^2)), with Keras's (TensorFlow's) accumulator starting at
    `initial_accumulator_value` (adagrad.py line 73) and epsilon inside the root (line 90)."""
    acc, out = np.full_like(w, initial_accumulator_value), []
    for g in grads:
        w = _decay(w, learning_rate, weight_decay)
        acc = acc + g * g
        w = w - learning_rate * g / np.sqrt(acc + epsilon)
        out.append(w)
    return out


def adadelta(w, grads, learning_rate, rho=0.95, epsilon=1e-7, weight_decay=None):
    """Adadelta (Zeiler 2012, Algorithm 1: E[g^2], dx = -RMS[dx]_{t-1} / RMS[g]_t g, E[dx^2],
    epsilon inside both roots), the step times `learning_rate` (Keras's adadelta.py line 119;
    1.0, the zoo's default, is the paper's)."""
    eg2, edx2, out = np.zeros_like(w), np.zeros_like(w), []
    for g in grads:
        w = _decay(w, learning_rate, weight_decay)
        eg2 = rho * eg2 + (1 - rho) * g * g
        dx = -np.sqrt(edx2 + epsilon) / np.sqrt(eg2 + epsilon) * g
        edx2 = rho * edx2 + (1 - rho) * dx * dx
        w = w + learning_rate * dx
        out.append(w)
    return out


def adam(w, grads, learning_rate, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False,
         weight_decay=None):  # fmt: skip
    """Adam (Kingma & Ba 2015, Algorithm 1) in the form of Section 2's last paragraph before
    2.1, lr_t = lr sqrt(1 - beta_2^t) / (1 - beta_1^t), w <- w - lr_t m / (sqrt(v) + eps_hat),
    as Keras's docstring says (adam.py lines 117, 135); AMSGrad (Reddi et al. 2018,
    Algorithm 2) divides by the running maximum of v instead (line 130)."""
    m, v, v_max, out = np.zeros_like(w), np.zeros_like(w), np.zeros_like(w), []
    for t, g in enumerate(grads, 1):
        w = _decay(w, learning_rate, weight_decay)
        m = beta_1 * m + (1 - beta_1) * g
        v = beta_2 * v + (1 - beta_2) * g * g
        v_max = np.maximum(v_max, v) if amsgrad else v
        lr_t = learning_rate * np.sqrt(1 - beta_2**t) / (1 - beta_1**t)
        w = w - lr_t * m / (np.sqrt(v_max) + epsilon)
        out.append(w)
    return out


def adamw(w, grads, learning_rate, weight_decay, **kwargs):
    """AdamW (Loshchilov & Hutter 2019, Algorithm 2): Adam above, the weights decayed by
    lr * weight_decay * w before the step (the paper's eta_t lambda theta_{t-1}, scaled by the
    rate as torch.optim.AdamW; Keras's AdamW is its Adam with this `_apply_weight_decay`)."""
    return adam(w, grads, learning_rate, weight_decay=weight_decay, **kwargs)


def nadam(w, grads, learning_rate, beta_1=0.9, beta_2=0.999, epsilon=1e-7, weight_decay=None):
    """Nadam (Dozat 2016, "Incorporating Nesterov momentum into Adam", Algorithm 2, in
    torch.optim.NAdam's form): m_hat = mu_{t+1} m / (1 - prod_{i<=t+1} mu_i)
    + (1 - mu_t) g / (1 - prod_{i<=t} mu_i), v_hat = v / (1 - beta_2^t),
    w <- w - lr m_hat / (sqrt(v_hat) + eps); with Keras's momentum schedule
    mu_t = beta_1 (1 - 0.5 * 0.96^t) (nadam.py lines 103, 119-120; Dozat's and torch's
    decay 0.96^(0.004 t)). Keras's docstring calls its epsilon "epsilon hat", but line 144
    adds it to sqrt(v_hat), as Dozat and torch do: followed here (1e-7 moves nothing
    measurable either way)."""

    def mu(t):
        return beta_1 * (1 - 0.5 * 0.96**t)

    m, v, mu_product, out = np.zeros_like(w), np.zeros_like(w), 1.0, []
    for t, g in enumerate(grads, 1):
        w = _decay(w, learning_rate, weight_decay)
        mu_product *= mu(t)
        m = beta_1 * m + (1 - beta_1) * g
        v = beta_2 * v + (1 - beta_2) * g * g
        m_hat = mu(t + 1) * m / (1 - mu_product * mu(t + 1)) + (1 - mu(t)) * g / (1 - mu_product)
        v_hat = v / (1 - beta_2**t)
        w = w - learning_rate * m_hat / (np.sqrt(v_hat) + epsilon)
        out.append(w)
    return out


def adamax(w, grads, learning_rate, beta_1=0.9, beta_2=0.999, epsilon=1e-7, weight_decay=None):
    """Adamax (Kingma & Ba 2015, Algorithm 2: u <- max(beta_2 u, |g|),
    w <- w - lr / (1 - beta_1^t) m / u), with Keras's epsilon added to u (adamax.py
    line 127)."""
    m, u, out = np.zeros_like(w), np.zeros_like(w), []
    for t, g in enumerate(grads, 1):
        w = _decay(w, learning_rate, weight_decay)
        m = beta_1 * m + (1 - beta_1) * g
        u = np.maximum(beta_2 * u, np.abs(g))
        w = w - learning_rate / (1 - beta_1**t) * m / (u + epsilon)
        out.append(w)
    return out


def lion(w, grads, learning_rate, beta_1=0.9, beta_2=0.99, weight_decay=None):
    """Lion (Chen et al. 2023, "Symbolic discovery of optimization algorithms", Algorithm 2):
    c = beta_1 m + (1 - beta_1) g, w <- w - lr (sign(c) + lambda w),
    m <- beta_2 m + (1 - beta_2) g; the decay of w_{t-1} is Keras's `_decay` (Keras: lion.py
    lines 104-121)."""
    m, out = np.zeros_like(w), []
    for g in grads:
        w = _decay(w, learning_rate, weight_decay)
        w = w - learning_rate * np.sign(beta_1 * m + (1 - beta_1) * g)
        m = beta_2 * m + (1 - beta_2) * g
        out.append(w)
    return out


def lamb(w, grads, learning_rate, beta_1=0.9, beta_2=0.999, epsilon=1e-7, weight_decay=None):
    """LAMB (You et al. 2020, "Large batch optimization for deep learning", ICLR, Algorithm 2)
    with phi the identity: r = m_hat / (sqrt(v_hat) + eps), u = r + lambda w,
    w <- w - lr ||w|| / ||u|| u, per weight tensor, the ratio 1 where a norm is 0 (Keras's
    lamb.py line 126). The decay lambda w is part of the trust-ratio step, as in the paper
    and tfa.optimizers.LAMB."""
    m, v, out = np.zeros_like(w), np.zeros_like(w), []
    for t, g in enumerate(grads, 1):
        m = beta_1 * m + (1 - beta_1) * g
        v = beta_2 * v + (1 - beta_2) * g * g
        u = (m / (1 - beta_1**t)) / (np.sqrt(v / (1 - beta_2**t)) + epsilon)
        if weight_decay:
            u = u + weight_decay * w
        w_norm, u_norm = np.linalg.norm(w), np.linalg.norm(u)
        ratio = w_norm / u_norm if w_norm > 0 and u_norm > 0 else 1.0
        w = w - learning_rate * ratio * u
        out.append(w)
    return out


def adafactor(w, grads, learning_rate, beta_2_decay=-0.8, epsilon_1=1e-30, epsilon_2=1e-3,
              clip_threshold=1.0, relative_step=True, weight_decay=None):  # fmt: skip
    """Adafactor (Shazeer & Stern 2018, Algorithm 4 for a matrix, its row and column sums R
    and C, V = R C / (1^T R); Algorithm 5 for a vector), beta_2_t = 1 - t^-0.8 (Section 7),
    update clipping at d = 1 (Section 6), the relative step alpha_t = max(eps_2, RMS(w)) rho_t
    (Section 8) with rho_t = min(lr, 1/sqrt(t)), Keras's `learning_rate` in place of the
    paper's 1e-2 (adafactor.py lines 151-159). Keras keeps row and column means (lines
    166-197), which give the same V; without `relative_step` rho_t is the constant `lr`, as
    Keras's docstring (lines 32-35) and the reference code (fairseq's and transformers'
    `Adafactor._get_lr`) say."""

    def rms(x):
        return np.sqrt(np.mean(x * x))

    r, c, v, out = np.zeros(w.shape[:1]), np.zeros(w.shape[1:]), np.zeros_like(w), []
    for t, g in enumerate(grads, 1):
        w = _decay(w, learning_rate, weight_decay)
        rho = min(learning_rate, 1 / np.sqrt(t)) if relative_step else learning_rate
        alpha = max(epsilon_2, rms(w)) * rho
        beta_2 = 1 - t**beta_2_decay
        g2 = g * g + epsilon_1
        if w.ndim == 2:
            r = beta_2 * r + (1 - beta_2) * g2.sum(axis=1)
            c = beta_2 * c + (1 - beta_2) * g2.sum(axis=0)
            v = np.outer(r, c) / r.sum()
        else:
            v = beta_2 * v + (1 - beta_2) * g2
        u = g / np.sqrt(v)
        w = w - alpha * u / max(1.0, rms(u) / clip_threshold)
        out.append(w)
    return out


def ftrl(w, grads, learning_rate, learning_rate_power=-0.5, initial_accumulator_value=0.1,
         l1_regularization_strength=0.0, l2_regularization_strength=0.0, beta=0.0,
         weight_decay=None):  # fmt: skip
    """FTRL-Proximal (McMahan et al. 2013, "Ad click prediction", Algorithm 1, per
    coordinate): sigma = (sqrt(n + g^2) - sqrt(n)) / alpha, z <- z + g - sigma w,
    n <- n + g^2, w = 0 where |z| <= l1, else -(z - sign(z) l1) / ((beta + sqrt(n)) / alpha
    + lambda_2). With TensorFlow's conventions that Keras's ftrl.py keeps: n starts at
    `initial_accumulator_value` (line 162), -learning_rate_power generalizes the root
    (line 198), Keras's l2 is half the paper's lambda_2 (line 208: + 2 l2), and the first
    round starts at the variable's weights where the paper's start at w = 0 (z = 0)."""
    n, z, out = np.full_like(w, initial_accumulator_value), np.zeros_like(w), []
    p, l1 = -learning_rate_power, l1_regularization_strength
    lambda_2 = 2 * l2_regularization_strength
    for g in grads:
        w = _decay(w, learning_rate, weight_decay)
        sigma = ((n + g * g) ** p - n**p) / learning_rate
        z = z + g - sigma * w
        n = n + g * g
        shrunk = -(z - np.sign(z) * l1) / ((beta + n**p) / learning_rate + lambda_2)
        w = np.where(np.abs(z) <= l1, 0.0, shrunk)
        out.append(w)
    return out


def _newton_schulz5(x, steps, a=3.4445, b=-4.7750, c=2.0315):
    """`zeropower_via_newtonschulz5` of github.com/KellerJordan/Muon (muon.py), in float64:
    the quintic iteration on the wide orientation, from x / (||x||_F + 1e-7)."""
    tall = x.shape[0] > x.shape[1]
    x = x.T if tall else x
    x = x / (np.linalg.norm(x) + 1e-7)
    for _ in range(steps):
        s = x @ x.T
        x = a * x + (b * s + c * s @ s) @ x
    return x.T if tall else x


def muon(w, grads, learning_rate, momentum=0.95, nesterov=True, ns_steps=5, rms_rate=0.2,
         weight_decay=0.004, adam_beta_1=0.9, adam_beta_2=0.999, adam_weight_decay=0.004,
         epsilon=1e-7, adam_lr_ratio=1):  # fmt: skip
    """Muon as Moonlight's reference (github.com/MoonshotAI/Moonlight, examples/toy_train.py,
    `Muon.step`), which Keras's muon.py cites (line 257): buf <- mu buf + g, u = g + mu buf
    (Nesterov) or buf, w <- (1 - lr wd) w - lr 0.2 sqrt(max(A, B)) NS5(u) on a 2-D weight;
    any other weight by its "AdamW backup", Adam with eps_hat (`adam` above) at
    lr * adam_lr_ratio and `adam_weight_decay` (Keras: muon.py lines 190-236, 293-305; its
    default weight decays, 0.004, are Keras's)."""
    if w.ndim != 2:
        return adam(w, grads, learning_rate * adam_lr_ratio, adam_beta_1, adam_beta_2, epsilon,
                    weight_decay=adam_weight_decay)  # fmt: skip
    buf, out = np.zeros_like(w), []
    for g in grads:
        w = _decay(w, learning_rate, weight_decay)
        buf = momentum * buf + g
        u = g + momentum * buf if nesterov else buf
        w = w - learning_rate * rms_rate * np.sqrt(max(w.shape)) * _newton_schulz5(u, ns_steps)
        out.append(w)
    return out


LAMB_DECAY = (
    "Keras's Lamb decays the weights outside its trust ratio: the base `_apply_weight_decay` "
    "(keras/src/backend/tensorflow/optimizer.py line 98) does w -= lr*wd*w before lamb.py's "
    "step, whose ratio ||w|| / ||r|| (lines 122-132) leaves the decay out, where You et al. "
    "2020 Algorithm 2 (and tfa.optimizers.LAMB) step by lr ||w|| / ||r + wd w|| (r + wd w); "
    "lamb:wd=0.1 (lr 1e-3), 10 steps: kernel 4.6e-4 and bias 2.2e-3 apart, 5% and 14% of "
    "how far each moved"
)
ADAFACTOR_RELATIVE_STEP = (
    "Keras's Adafactor ignores relative_step=False: adafactor.py line 158, "
    "rho_t = min(lr, 1/sqrt(t)), caps the rate whatever relative_step says (line 151's "
    "`if relative_step` only repeats the cap), where its docstring (lines 32-35) and the "
    "reference code (fairseq's and transformers' Adafactor._get_lr) keep lr constant; "
    "lr=0.5, 10 steps: identical to relative_step=True, each step from t=5 on "
    "min(0.5, 1/sqrt(t)) / 0.5 of the reference's (0.63 at t=10), the weights 1.9 (kernel) "
    "and 5.8 (bias) apart"
)
CASES = {
    "sgd": sgd,
    "sgd:wd=0.1": sgd,
    "momentum": sgd,
    "momentum:wd=0.1": sgd,
    "nesterov": sgd,
    "nesterov:wd=0.1": sgd,
    "rmsprop": rmsprop,
    "rmsprop:centered=true:momentum=0.9": rmsprop,
    "adagrad": adagrad,
    "adagrad:wd=0.1": adagrad,
    "adadelta": adadelta,
    "adadelta:wd=0.01": adadelta,
    "adam": adam,
    "adam:amsgrad=true": adam,
    "adamw": adamw,
    "adamw:wd=0.1": adamw,
    "nadam": nadam,
    "nadam:wd=0.1": nadam,
    "adamax": adamax,
    "adamax:wd=0.1": adamax,
    "lion": lion,
    "lion:wd=1": lion,
    "lamb": lamb,
    "lamb:wd=0.1": lamb,
    "adafactor": adafactor,
    "adafactor:wd=0.1": adafactor,
    "adafactor:lr=0.5:relative_step=false": adafactor,
    "ftrl": ftrl,
    "ftrl:l1_regularization_strength=0.5:l2_regularization_strength=0.1:beta=1": ftrl,
    "muon": muon,
    "muon:nesterov=false:wd=0.1": muon,
}
# Findings: where Keras parts from the reference and no documented convention explains it.
FINDINGS = {
    "lamb:wd=0.1": LAMB_DECAY,
    "adafactor:lr=0.5:relative_step=false": ADAFACTOR_RELATIVE_STEP,
}


def _finding(spec):
    if spec not in FINDINGS:
        return []
    return [pytest.mark.xfail(strict=True, reason=FINDINGS[spec])]


def _problem(seed=0):
    """A (4, 3) kernel, a (3,) bias, and STEPS random gradients for each (float32)."""
    rng = np.random.default_rng(seed)
    shapes = [(4, 3), (3,)]
    params = [rng.normal(size=s).astype("float32") for s in shapes]
    grads = [[rng.normal(size=s).astype("float32") for s in shapes] for _ in range(STEPS)]
    return params, grads


def _keras_trajectory(spec, params, grads, graph):
    """The weights after each step of `parse_optimizer(spec).build()`, eagerly or in a
    tf.function (as `fit` runs it): per step, [kernel, bias] in float64."""
    opt = parse_optimizer(spec).build()
    variables = [keras.Variable(p, name=n) for p, n in zip(params, NAMES, strict=True)]
    opt.build(variables)

    def step(*gs):
        opt.apply(list(gs), variables)

    step = tf.function(step) if graph else step
    out = []
    for gs in grads:
        step(*[tf.constant(g) for g in gs])
        out.append([keras.ops.convert_to_numpy(v).astype("float64") for v in variables])
    return out


def _reference_trajectory(oracle, spec, params, grads):
    """The oracle's weights after each step, per step [kernel, bias], at the spec's keywords."""
    kwargs = parse_optimizer(spec).kwargs
    per_weight = [
        oracle(p.astype("float64"), [gs[i].astype("float64") for gs in grads], **kwargs)
        for i, p in enumerate(params)
    ]
    return [list(ws) for ws in zip(*per_weight, strict=True)]


def test_every_optimizer_but_schedule_free_has_a_reference():
    assert {spec.split(":")[0] for spec in CASES} == set(OPTIMIZERS) - {"schedule_free_adamw"}


@pytest.mark.parametrize("graph", [False, True], ids=["eager", "tf_function"])
@pytest.mark.parametrize(
    "spec, oracle",
    [pytest.param(spec, oracle, id=spec, marks=_finding(spec)) for spec, oracle in CASES.items()],
)
def test_optimizer_follows_its_reference(spec, oracle, graph):
    """Keras's update, as the zoo builds it, matches the oracle's after every step, to RTOL
    of the weights' scale; the weights move by 20 RTOL and more, so steps wrong by 5% show."""
    params, grads = _problem()
    got = _keras_trajectory(spec, params, grads, graph)
    want = _reference_trajectory(oracle, spec, params, grads)
    for k, (w0, name) in enumerate(zip(params, NAMES, strict=True)):
        scale = max(np.abs(w0).max(), max(np.abs(ws[k]).max() for ws in want))
        moved = np.abs(want[-1][k] - w0).max()
        assert moved > 20 * RTOL * scale, (name, moved)
        err = max(np.abs(g[k] - r[k]).max() for g, r in zip(got, want, strict=True))
        assert err <= RTOL * scale, f"{name}: {err:.2e} apart (moved {moved:.2e})"


TORCH = {
    # zoo spec -> the torch.optim class and keywords with the same algorithm and conventions
    "sgd": ("SGD", {"lr": 0.01}),
    "momentum": ("SGD", {"lr": 0.01, "momentum": 0.9}),
    "nesterov": ("SGD", {"lr": 0.01, "momentum": 0.9, "nesterov": True}),
    "adadelta": ("Adadelta", {"lr": 1.0, "rho": 0.95, "eps": 1e-7}),
    "nadam": ("NAdam", {"lr": 1e-3, "eps": 1e-7, "momentum_decay": 1.0}),  # Keras's 0.96^t
}


@pytest.mark.parametrize("spec", sorted(TORCH))
def test_the_numpy_ports_agree_with_torch_where_its_conventions_are_kerass(spec):
    """A second oracle for the ports: torch.optim, in float64, where it runs the same
    algorithm with the same conventions."""
    torch = pytest.importorskip("torch")
    cls, kwargs = TORCH[spec]
    params, grads = _problem()
    want = _reference_trajectory(CASES[spec], spec, params, grads)
    weights = [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in params]
    opt = getattr(torch.optim, cls)(weights, **kwargs)
    for step, gs in enumerate(grads):
        for w, g in zip(weights, gs, strict=True):
            w.grad = torch.tensor(g, dtype=torch.float64)
        opt.step()
        for w, ref in zip(weights, want[step], strict=True):
            # 1e-9, not 1e-15: torch keeps NAdam's product of the mu_t in float32
            np.testing.assert_allclose(w.detach().numpy(), ref, rtol=1e-9, atol=1e-9)
