"""Small file helpers shared by tools/export_models.py and tools/make_fixtures.py."""
import os
import tempfile


def write_atomic(path, data):
    """Writes `data` to `path` through a temporary file in the same folder, so a
    crash never leaves a half-written model behind."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=".onnx")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
