"""Which notebook a name on the command line means (stdlib only, so the tool tests can import it).

`./lab run` takes a path (notebooks/06-induction-heads.ipynb), a name (06-induction-heads or
06-induction-heads.ipynb) or a number (06, 6): a name or number is looked up among the lesson notebooks.
"""
import os


def lessons(folder):
    """The lesson notebooks of a folder (names starting with a digit), sorted."""
    if not os.path.isdir(folder):
        return []
    return sorted(f for f in os.listdir(folder) if f.endswith(".ipynb") and f[:1].isdigit())


def resolve(names, folder):
    """Paths of the notebooks `names` mean, in order; raises ValueError naming each bad one and what exists."""
    known = lessons(folder)
    paths, problems = [], []
    for name in names:
        if os.path.isfile(name):
            paths.append(name)
            continue
        stem = os.path.basename(name)
        stem = stem[:-len(".ipynb")] if stem.endswith(".ipynb") else stem
        number = stem.zfill(2) if stem.isdigit() else None
        hits = [f for f in known if f[:-len(".ipynb")] == stem]
        if not hits and number is not None:
            hits = [f for f in known if f.split("-", 1)[0] == number]
        if len(hits) == 1:
            paths.append(os.path.join(folder, hits[0]))
        else:
            problems.append(f"'{name}'" + (" matches " + ", ".join(hits) if hits else ""))
    if problems:
        listed = ", ".join(f[:-len(".ipynb")] for f in known) or "none"
        raise ValueError(f"no such notebook: {'; '.join(problems)}. Give a path, a name or a number; "
                         f"the notebooks in {folder}: {listed}")
    return paths
