"""Libcloud's own deploy_node through this driver, against a real QEMU guest with SSH.

Needs the substrate of eng/substrate/up.sh (a libvirtd with the NAT network 'default' and the pool
'default') and the small guest of eng/guest/build.sh, whose ISO is the volume
'simplestack-guest.iso' (the .NET integration tests put it there) and which reads its SSH key from
the NoCloud seed and serves SFTP. Runs when SIMPLESTACK_SUBSTRATE=1, inside the substrate's network
namespace (ip netns exec simplestack ...); otherwise skips with the reason, or fails when CI=true.
"""

import subprocess
import uuid

import pytest

from conftest import require_substrate, start_gateway, stop_gateway

GUEST_ISO = 'simplestack-guest.iso'


@pytest.fixture(scope='module')
def qemu_gateway():
    """The gateway on the real libvirtd; ask for it after require_substrate() (a failure there is then
    the test's own, not a setup error)."""
    require_substrate()
    process, url = start_gateway({'Simplestack__AllowedTargets__0': 'kvm/localhost',
                                  'Simplestack__Libvirt__DefaultDomainType': 'qemu'})
    yield url
    stop_gateway(process)


def test_deploy_node_runs_a_script_and_returns_its_output(request, tmp_path):
    require_substrate()
    qemu_gateway = request.getfixturevalue('qemu_gateway')
    from libcloud.compute.base import NodeAuthSSHKey, NodeSize
    from libcloud.compute.deployment import MultiStepDeployment, ScriptDeployment
    from libcloud.compute.providers import get_driver

    import simplestack_libcloud  # noqa: F401  (registers the driver)

    key = tmp_path / 'id_rsa'
    subprocess.run(['ssh-keygen', '-q', '-t', 'rsa', '-b', '2048', '-m', 'PEM', '-N', '', '-f', str(key)], check=True)
    public = (tmp_path / 'id_rsa.pub').read_text().strip()

    config = tmp_path / 'simplestack.cfg'
    config.write_text('[default]\ngateway_url = %s\nhypervisor = kvm\nhost = localhost\n' % qemu_gateway)
    driver = get_driver('simplestack')('default', config_file=str(config))

    script = ScriptDeployment('#!/bin/sh\necho "deployed on $(uname -s)"\necho to-stderr >&2\nexit 3\n')
    size = NodeSize('small', 'small', 256, 0, None, None, driver, extra={'cpus': 1})
    name = 'deploy-%s' % uuid.uuid4().hex[:8]
    node = None
    try:
        node = driver.deploy_node(name=name, size=size, image=None,
                                  deploy=MultiStepDeployment([script]),
                                  auth=NodeAuthSSHKey(public), ssh_key=str(key),
                                  ssh_interface='private_ips', timeout=360, wait_period=3,
                                  ex_cdrom=GUEST_ISO, ex_networks=['default'], ex_domain_type='qemu')
        assert node.private_ips
        assert script.exit_status == 3
        assert script.stdout.strip() == 'deployed on Linux'
        assert script.stderr.strip() == 'to-stderr'
    finally:
        for candidate in driver.list_nodes():
            if candidate.name == name:
                driver.destroy_node(candidate)
