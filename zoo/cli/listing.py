"""`zoo list`: what the zoo has, one line per item."""

from __future__ import annotations


def cmd_list(args) -> int:
    # Imported when the command runs: zoo.models, zoo.specs, zoo.data and zoo.bench import
    # Keras (TensorFlow), and `zoo --help` and usage errors answer before it starts.
    from zoo.bench import expand, list_suites, load_suite
    from zoo.bench.campaign import trial_counts
    from zoo.data import DATASETS
    from zoo.models import build, list_models, model_info
    from zoo.models.pretrained import cards
    from zoo.specs import REGULARIZERS, SCHEDULES, parse_regularizer
    from zoo.specs.optimizers import NOTES, OPTIMIZERS, WARMUP, keras_kwargs, muon_split

    if args.what == "models" and args.pretrained:
        for tag, c in cards().items():
            mb = c.size_bytes / 1e6
            print(f"{tag:24s} test {c.task_info.metric} {c.headline:.4f}  {mb:5.1f} MB  {c.split}")
    elif args.what == "models":
        for name in list_models():
            info = model_info(name)
            print(f"{name:10s} {info.task:21s} {info.dataset:14s} {info.description}")
            options = ", ".join(f"{k}={v}" for k, v in info.options().items())
            print(f"{'':10s} model_options: {options or '-'}")
    elif args.what == "optimizers":
        for name, (cls, kwargs) in OPTIMIZERS.items():
            extra = ", ".join(f"{k}={v}" for k, v in keras_kwargs(kwargs).items())
            own = "".join(f" {k}={v}" for k, v in kwargs.items() if k in WARMUP)  # zoo's own
            print(f"{name:19s} keras.optimizers.{cls}({extra}){own}")
            if name in NOTES:
                print(f"{'':19s} {NOTES[name]}")
            if name == "muon":
                for model in list_models():
                    print(f"{'':19s}   {model}: {muon_split(build(model))}")
    elif args.what == "schedules":
        for name, (params, _, description) in SCHEDULES.items():
            spec = ":".join([name, *(f"{k}={v:g}" for k, v in params.items())])
            print(f"{spec:34s} {description}")
    elif args.what == "regularizers":
        for name in REGULARIZERS:
            r = parse_regularizer(name)
            fields = {k: v for k, v in r.to_config().items() if v}
            models = [m for m in list_models() if r.components <= set(model_info(m).regularizers)]
            settings = " ".join(k if v is True else f"{k}={v:g}" for k, v in fields.items())
            print(f"{name:30s} {settings or '-':34s} models: {', '.join(models)}")
    elif args.what == "suites":
        for name, path in list_suites().items():
            print(f"{name:10s} {load_suite(str(path)).description}  ({path})")
    elif args.what == "datasets":
        for name, info in DATASETS.items():
            print(f"{name:14s} {info.description}")
        print(f"{'tfds:NAME':14s} any TensorFlow Datasets image or text classification set, "
              "e.g. tfds:kmnist, tfds:cifar10, tfds:imdb_reviews (--datasets)")  # fmt: skip
    else:  # profiles: every trial a run takes (tuning and racing included), as --dry-run counts
        suite = load_suite(args.suite)
        for name, prof in suite.profiles.items():
            trials = expand(suite, name)
            low, high, _ = trial_counts(trials)
            n = f"{low} trials" if low == high else f"{low}-{high} trials"
            if not low == high == len(trials):
                n += f" ({len(trials)} listed)"
            print(f"{name:9s} {n:28s} {prof.get('description', '')}")
    return 0
