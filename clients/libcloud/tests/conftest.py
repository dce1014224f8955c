"""Fixtures: a real gateway process on libvirt's test hypervisor, and a configuration file.

The gateway is the repository's own server, started as a separate process:
``dotnet run --project src/Simplestack.Server --no-build -- --urls http://127.0.0.1:<free port>``
(build it first: ``dotnet build src/Simplestack.Server``). ``SIMPLESTACK_SERVER_DLL`` names a
published ``Simplestack.Server.dll`` to run instead.
"""

import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..'))


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def start_gateway(extra_env=None):
    """Starts a gateway process; returns (process, url). Fails the test when it does not come up."""
    port = free_port()
    url = 'http://127.0.0.1:%d' % port
    env = dict(os.environ, DOTNET_NOLOGO='1', DOTNET_CLI_TELEMETRY_OPTOUT='1', **(extra_env or {}))
    dll = os.environ.get('SIMPLESTACK_SERVER_DLL')
    if dll:
        command = ['dotnet', dll, '--urls', url]
    else:
        command = ['dotnet', 'run', '--project', os.path.join(REPO, 'src', 'Simplestack.Server'),
                   '--no-build', '--', '--urls', url]
    log = open(os.path.join(os.environ.get('TMPDIR', '/tmp'), 'simplestack-gateway-%d.log' % port), 'w+')
    process = subprocess.Popen(command, cwd=os.path.join(REPO, 'src', 'Simplestack.Server'), env=env,
                               stdout=log, stderr=subprocess.STDOUT)
    deadline = time.time() + 120
    while time.time() < deadline:
        if process.poll() is not None:
            log.seek(0)
            pytest.fail('The gateway exited with %s:\n%s' % (process.returncode, log.read()[-4000:]))
        try:
            with urllib.request.urlopen(url + '/healthz', timeout=2) as response:
                if response.status == 200:
                    return process, url
        except OSError:
            time.sleep(0.3)
    process.kill()
    pytest.fail('The gateway did not answer %s/healthz within 120 s' % url)


SUBSTRATE_REASON = ('Needs the real QEMU substrate and test guest (eng/substrate/up.sh, eng/guest/build.sh), in its '
                    'network namespace (ip netns exec simplestack ...): set SIMPLESTACK_SUBSTRATE=1.')


def substrate_required():
    """CI must not skip the substrate tests (the rule of tests/Simplestack.IntegrationTests/Substrate.cs)."""
    return os.environ.get('CI', '').lower() == 'true' or os.environ.get('SIMPLESTACK_REQUIRE_SUBSTRATE') == '1'


def require_substrate():
    """Returns when SIMPLESTACK_SUBSTRATE=1; otherwise skips with the reason, or fails when CI=true."""
    if os.environ.get('SIMPLESTACK_SUBSTRATE') == '1':
        return
    if substrate_required():
        pytest.fail(SUBSTRATE_REASON + ' CI=true (or SIMPLESTACK_REQUIRE_SUBSTRATE=1) does not allow skipping it.')
    pytest.skip(SUBSTRATE_REASON)


def stop_gateway(process):
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope='module')
def gateway():
    """A fresh gateway process per test module (the test hypervisor's state lives in it)."""
    process, url = start_gateway()
    yield url
    stop_gateway(process)


@pytest.fixture
def config_file(tmp_path, gateway):
    path = tmp_path / 'simplestack.cfg'
    path.write_text('''
[default]
gateway_url = %s
hypervisor = test
host = default

[second]
username = alice
password = pa:ss
api_key = key-1

[instance_types]
tiny = 1, 64
m1.small = 1, 100
''' % gateway)
    return str(path)
