"""The package installed as its README says: pip into a virtual environment that sees Debian's
Libcloud (--system-site-packages), then registered by its provider name with Libcloud's set_driver,
as the StratusLab driver was, and used from outside the repository against a real gateway.

No package index is reached: --no-index, and --no-build-isolation so the build uses Debian's
setuptools and wheel (a machine with an index can leave both flags out). The source is copied first
so the build leaves nothing (build/, *.egg-info) in the repository.
"""

import json
import os
import shutil
import subprocess
import sys

import libcloud
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGE = os.path.dirname(HERE)

SCRIPT = r'''
import json, sys
from libcloud.compute.providers import get_driver, set_driver

if sys.argv[2] == 'set_driver':
    # As the StratusLab driver's users did: register by provider name, module and class.
    set_driver('simplestack', 'simplestack_libcloud.driver', 'SimplestackNodeDriver')
else:
    import simplestack_libcloud  # importing the package registers it too
Driver = get_driver('simplestack')
driver = Driver('default', gateway_url=sys.argv[1], hypervisor='test', target_host='default')
import libcloud, simplestack_libcloud
print(json.dumps({
    'driver': Driver.__module__ + '.' + Driver.__name__,
    'package': simplestack_libcloud.__file__,
    'libcloud': libcloud.__file__,
    'nodes': [n.name for n in driver.list_nodes()],
    'sizes': {s.id: s.disk for s in driver.list_sizes()},
}))
'''


def require_venv():
    """Debian's python3-venv (ensurepip) is needed; eng/test.sh installs it. CI may not skip."""
    try:
        import ensurepip  # noqa: F401
    except ImportError:
        reason = 'python3-venv is not installed (eng/test.sh installs it).'
        if os.environ.get('CI', '').lower() == 'true':
            pytest.fail(reason + ' CI=true does not allow skipping it.')
        pytest.skip(reason)


def run(command, **kwargs):
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, **kwargs)
    assert result.returncode == 0, '%s exited %s:\n%s\n%s' % (command, result.returncode, result.stdout, result.stderr)
    return result.stdout


@pytest.fixture(scope='module')
def venv(tmp_path_factory):
    require_venv()
    root = tmp_path_factory.mktemp('install')
    source = root / 'libcloud'
    shutil.copytree(PACKAGE, str(source), ignore=shutil.ignore_patterns('tests', '__pycache__', '*.egg-info', 'build'))
    env_dir = root / 'venv'
    run([sys.executable, '-m', 'venv', '--system-site-packages', str(env_dir)])
    python = str(env_dir / 'bin' / 'python')
    environment = dict(os.environ, PIP_DISABLE_PIP_VERSION_CHECK='1')
    environment.pop('PIP_FIND_LINKS', None)
    run([python, '-m', 'pip', 'install', '--no-index', '--no-build-isolation', str(source)], env=environment)
    return python, root


@pytest.mark.parametrize('registration', ['set_driver', 'import'])
def test_pip_installed_driver_registers_by_provider_name(venv, gateway, registration):
    python, root = venv
    # Run from outside the repository, with no path of ours: only the installed copy can be found.
    environment = {k: v for k, v in os.environ.items() if k != 'PYTHONPATH'}
    report = json.loads(run([python, '-c', SCRIPT, gateway, registration], cwd=str(root), env=environment))

    assert report['driver'] == 'simplestack_libcloud.driver.SimplestackNodeDriver'
    assert os.path.realpath(report['package']).startswith(os.path.realpath(str(root / 'venv'))), report['package']
    # The system's Libcloud (Debian's), seen through --system-site-packages, not a copy pip fetched.
    assert os.path.realpath(report['libcloud']) == os.path.realpath(libcloud.__file__), report['libcloud']
    assert 'test' in report['nodes']
    assert report['sizes']['m1.small'] == 10
