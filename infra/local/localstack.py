"""LocalStack as the stack's emulator, in host mode: no Docker, no account token, offline
once installed. ``python -m infra.local.localstack`` installs it (``make run
EMULATOR=localstack`` does it on first use) and ``start`` runs it as the stack's child.

What it takes on these machines (each found by trying):

- ``localstack-core`` 2026.3.0 needs Python >= 3.12; the services stay on 3.11, so it gets
  a venv of its own (``.local/localstack/venv``) from a ``python3.13``/``python3.12`` found
  on the PATH or in pyenv. Pins that let it start: ``cbor2<6``, ``pyopenssl==25.3.0`` with
  ``cryptography<47``, ``service-identity``.
- DynamoDB: LocalStack runs AWS's DynamoDB Local, which it downloads (with a JRE) at first
  use: not possible offline. DynamoDB Local ships in the npm package
  ``amplify-dynamodb-simulator``; LocalStack's installer accepts it under
  ``$FILESYSTEM_ROOT/var/lib/localstack/lib/dynamodb-local/2/``, the machine's JDK as
  ``lib/java/21``, and the ``-javaagent`` jar it always passes (a patch it downloads to lift
  the 20-GSI limit) as a no-op agent compiled here with ``javac``.
- Loopback only: ``OVERRIDE_IN_DOCKER=0`` (a ``/.dockerenv`` here would make it bind
  0.0.0.0 and use container paths) and ``GATEWAY_SERVER=hypercorn`` (the default server
  binds every interface whatever it is told). DynamoDB Local's own port binds every
  interface (LocalStack has no option for it).
- ``PROVIDER_OVERRIDE_DYNAMODBSTREAMS=v2``: the default streams provider lost writes made in
  the first seconds after CreateTable.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HOME = ROOT / ".local" / "localstack"
VERSION = "2026.3.0"
PINS = (f"localstack-core[runtime]=={VERSION}", "cbor2<6", "pyopenssl==25.3.0", "cryptography<47", "service-identity")
DYNAMODB_LOCAL_NPM = "amplify-dynamodb-simulator@2.9.30"
SERVICES = "dynamodb,dynamodbstreams,sqs,events,ses,sns,s3,scheduler,sts,iam"
START_TIMEOUT_SECONDS = 90.0
NO_OP_AGENT = "public class Agent { public static void premain(String a, java.lang.instrument.Instrumentation i) {} }"


def _python() -> str:
    """An interpreter LocalStack runs on (>= 3.12): $LOCALSTACK_PYTHON, the PATH, or pyenv."""
    if found := os.environ.get("LOCALSTACK_PYTHON"):
        return found
    for name in ("python3.13", "python3.12"):
        path = shutil.which(name)  # pyenv's shims exist for versions not installed: try it
        if path and subprocess.run([path, "-V"], check=False, capture_output=True).returncode == 0:  # noqa: S603
            return path
    for version in sorted((Path.home() / ".pyenv" / "versions").glob("3.1[23]*"), reverse=True):
        if (candidate := version / "bin" / "python3").is_file():
            return str(candidate)
    raise RuntimeError("LocalStack needs Python 3.12 or 3.13 (set LOCALSTACK_PYTHON): none found")


def _run(*command: str, cwd: Path | None = None) -> None:
    subprocess.run(command, check=True, cwd=cwd)  # noqa: S603 - our own fixed commands


def install(home: Path = HOME) -> Path:
    """The venv and DynamoDB Local, once (a stamp file per version); returns the venv's python."""
    python = home / "venv" / "bin" / "python"
    stamp = home / f".installed-{VERSION}"
    if stamp.is_file() and python.is_file():
        return python
    home.mkdir(parents=True, exist_ok=True)
    print(f"installing LocalStack {VERSION} into {home} (about 500 MB, once)", file=sys.stderr)
    _run(_python(), "-m", "venv", str(home / "venv"))
    _run(str(python), "-m", "pip", "install", "-q", *PINS)
    _dynamodb_local(home / "fs" / "var" / "lib" / "localstack" / "lib", home / "npm")
    stamp.touch()
    return python


def _dynamodb_local(lib: Path, work: Path) -> None:
    work.mkdir(parents=True, exist_ok=True)
    _run("npm", "pack", DYNAMODB_LOCAL_NPM, "--silent", cwd=work)
    [archive] = work.glob("amplify-dynamodb-simulator-*.tgz")
    with tarfile.open(archive) as tar:
        tar.extractall(work, filter="data")
    target = lib / "dynamodb-local" / "2"
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy2(work / "package" / "emulator" / "DynamoDBLocal.jar", target)
    shutil.copytree(
        work / "package" / "emulator" / "DynamoDBLocal_lib", target / "DynamoDBLocal_lib", dirs_exist_ok=True
    )
    javac = shutil.which("javac")
    if javac is None:
        raise RuntimeError("LocalStack's DynamoDB needs a JDK (javac and java on the PATH)")
    java_home = Path(javac).resolve().parents[1]
    (lib / "java").mkdir(parents=True, exist_ok=True)
    if not (lib / "java" / "21").exists():
        (lib / "java" / "21").symlink_to(java_home)
    (work / "Agent.java").write_text(NO_OP_AGENT)
    _run(javac, "Agent.java", cwd=work)
    (work / "manifest.txt").write_text("Premain-Class: Agent\n")
    _run(
        str(java_home / "bin" / "jar"),
        "cfm",
        str(target / "ddb-local-loader-0.1.jar"),
        "manifest.txt",
        "Agent.class",
        cwd=work,
    )


def environment(port: int, data: Path) -> dict[str, str]:
    """LocalStack's settings: loopback, offline, ``data`` as its file system root."""
    return {
        **os.environ,
        "OVERRIDE_IN_DOCKER": "0",
        "FILESYSTEM_ROOT": str(data),
        "GATEWAY_LISTEN": f"127.0.0.1:{port}",
        "GATEWAY_SERVER": "hypercorn",
        "DNS_ADDRESS": "0",
        "DISABLE_EVENTS": "1",
        "SKIP_SSL_CERT_DOWNLOAD": "1",
        "PROVIDER_OVERRIDE_DYNAMODBSTREAMS": "v2",
        "S3_SKIP_SIGNATURE_VALIDATION": "0",  # a tampered presigned URL is refused, as in AWS
        "SERVICES": SERVICES,
    }


def start(port: int, log_file: Path, preexec: Callable[[], object] | None = None) -> subprocess.Popen[bytes]:
    """LocalStack on ``port`` as a child process, its data in a fresh folder beside the log;
    returns once DynamoDB answers."""
    import requests

    python = install()
    data = log_file.parent / f"localstack-{port}"
    shutil.rmtree(data, ignore_errors=True)
    shutil.copytree(HOME / "fs", data, symlinks=True)  # DynamoDB Local and the JDK link
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with log_file.open("ab") as log:
        process = subprocess.Popen(  # noqa: S603 - our own venv's interpreter
            [str(python), "-m", "localstack.runtime.main"],
            env=environment(port, data),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            preexec_fn=preexec,  # noqa: PLW1509 - no threads exist yet in the stack at this point
        )
    url, deadline = f"http://127.0.0.1:{port}", time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"LocalStack exited with {process.returncode}; see {log_file}")
        try:
            # DynamoDB Local starts on first use: a call makes the stack's first one quick.
            if requests.get(f"{url}/_localstack/health", timeout=1).ok:
                requests.post(url, headers=_list_tables_headers(), data="{}", timeout=60)
                return process
        except requests.RequestException:
            pass
        time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"LocalStack did not answer on {url} within {START_TIMEOUT_SECONDS:.0f}s; see {log_file}")


def _list_tables_headers() -> dict[str, str]:
    return {
        "Content-Type": "application/x-amz-json-1.0",
        "X-Amz-Target": "DynamoDB_20120810.ListTables",
        "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/dynamodb/aws4_request, "
        "SignedHeaders=host, Signature=0",
    }


if __name__ == "__main__":
    print(install())
