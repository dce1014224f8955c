"""SimplestackNodeDriver against a real gateway process on libvirt's test hypervisor."""

import base64
import json
import time
import urllib.error
import urllib.request
import uuid

import pytest
from libcloud.common.types import LibcloudError
from libcloud.compute.base import NodeAuthSSHKey, NodeSize, StorageVolume
from libcloud.compute.providers import get_driver
from libcloud.compute.types import NodeState, StorageVolumeState

import simplestack_libcloud
from simplestack_libcloud import (SimplestackConflictError, SimplestackError, SimplestackNodeDriver,
                                  SimplestackNotFoundError, SimplestackNotImplementedError)


def unique(prefix='node'):
    return '%s-%s' % (prefix, uuid.uuid4().hex[:8])


def get(gateway, path):
    with urllib.request.urlopen(gateway + '/test/default/' + path) as response:
        return json.loads(response.read())


@pytest.fixture
def driver(config_file):
    return get_driver('simplestack')('default', config_file=config_file)


def tiny(driver, disk=0):
    return NodeSize('tiny', 'tiny', 64, disk, None, None, driver, extra={'cpus': 1})


def test_registered_with_libcloud_via_set_driver():
    assert get_driver('simplestack') is SimplestackNodeDriver
    simplestack_libcloud.register()  # a second registration changes nothing
    assert get_driver(simplestack_libcloud.PROVIDER) is SimplestackNodeDriver


def test_locations_are_the_sections_of_the_file(driver, gateway):
    locations = driver.list_locations()
    assert [l.id for l in locations] == ['default', 'second']
    assert gateway in locations[1].name


def test_list_nodes_maps_states_and_addresses(driver):
    test = [n for n in driver.list_nodes() if n.name == 'test'][0]
    assert test.state == NodeState.RUNNING
    assert test.extra['state'] == 'STARTED'
    assert test.extra['state_detail'] == 'running'
    assert test.extra['cpus'] == 2
    fresh = driver.ex_get_node('test')
    assert fresh.id == test.id
    assert fresh.private_ips, 'the test guest reports an address'


def test_node_lifecycle_reading_back_each_step(driver, gateway):
    name = unique()
    node = driver.create_node(name=name, size=tiny(driver))
    assert node.name == name and node.state == NodeState.RUNNING
    guest = get(gateway, 'guests/' + node.id)
    assert guest['memory'] == 64 and guest['state'] == 'STARTED'
    assert [n['network'] for n in get(gateway, 'guests/%s/network_interfaces' % node.id)] == ['default']

    assert driver.reboot_node(node)
    assert driver.stop_node(node, ex_force=True)
    assert get(gateway, 'guests/' + node.id)['state'] == 'STOPPED'
    assert driver.ex_get_node(node.id).state == NodeState.STOPPED
    assert driver.start_node(node)
    assert get(gateway, 'guests/' + node.id)['state'] == 'STARTED'
    assert driver.ex_stop_node(node, ex_force=True) and driver.ex_start_node(node)
    assert driver.ex_pause_node(node)
    assert driver.ex_get_node(node.id).state == NodeState.PAUSED
    assert driver.ex_resume_node(node)

    with pytest.raises(SimplestackConflictError) as e:
        driver.start_node(node)
    assert e.value.status == 409 and e.value.error == 'Conflict'

    assert node.destroy()
    assert name not in [n.name for n in driver.list_nodes()]
    with pytest.raises(SimplestackNotFoundError) as e:
        driver.ex_get_node(name)
    assert e.value.status == 404 and e.value.error == 'EntityNotFound'


def test_auth_key_goes_into_the_seed(driver):
    # The NoCloud seed is an ISO uploaded into the pool, which the test hypervisor cannot do: its
    # 501 shows the key was sent. The real guest reads it in test_deploy.py.
    with pytest.raises(SimplestackNotImplementedError) as e:
        driver.create_node(name=unique(), size=tiny(driver), auth=NodeAuthSSHKey('ssh-ed25519 AAAAC3Nza test@example'))
    assert e.value.status == 501


def test_create_node_with_a_disk_no_network_and_not_started(driver, gateway):
    node = driver.create_node(name=unique(), size=tiny(driver, disk=1), ex_networks=[], ex_start=False)
    assert node.state == NodeState.STOPPED
    assert get(gateway, 'guests/%s/network_interfaces' % node.id) == []
    assert [d['size'] for d in get(gateway, 'guests/%s/disks' % node.id)] == [1]
    driver.destroy_node(node)


def test_create_node_sends_an_idempotency_key_that_its_retry_reuses(driver, monkeypatch):
    # The first POST reaches the gateway (which makes the guest) but its answer is lost, as when a
    # connection drops: Libcloud retries it, with the same headers, and the key makes it safe.
    connection = driver.connection
    connection.connect()
    inner = connection.connection
    real_request = inner.request
    keys = []

    def loses_first_answer(method, url, body=None, headers=None, **kwargs):
        real_request(method=method, url=url, body=body, headers=headers, **kwargs)
        if method == 'POST':
            keys.append(headers.get('Idempotency-Key'))
            if len(keys) == 1:
                raise ConnectionResetError('the answer was lost')

    monkeypatch.setattr(inner, 'request', loses_first_answer)
    name = unique()
    node = driver.create_node(name=name, size=tiny(driver), ex_networks=[], ex_start=False)
    assert len(keys) == 2 and keys[0] == keys[1]
    assert uuid.UUID(keys[0]).version == 4
    assert [n.id for n in driver.list_nodes() if n.name == name] == [node.id]

    monkeypatch.undo()
    again = driver.create_node(name=name, size=tiny(driver), ex_networks=[], ex_start=False, ex_idempotency_key=keys[0])
    assert again.id == node.id
    with pytest.raises(SimplestackError) as e:
        driver.create_node(name=unique(), size=tiny(driver), ex_networks=[], ex_start=False, ex_idempotency_key=keys[0])
    assert e.value.status == 422 and e.value.error == 'IdempotencyKeyReused'
    driver.destroy_node(node)


def test_wait_until_running_finds_the_address(driver):
    node = driver.ex_get_node('test')
    (found, addresses), = driver.wait_until_running([node], wait_period=0.2, timeout=20, ssh_interface='private_ips')
    assert found.id == node.id and addresses


def test_wait_until_running_asks_the_gateway_to_wait_instead_of_listing(driver, monkeypatch):
    def no_listing(*args, **kwargs):
        raise AssertionError('wait_until_running listed the nodes')
    monkeypatch.setattr(driver, 'list_nodes', no_listing)
    node = driver.ex_get_node('test')
    (found, addresses), = driver.wait_until_running([node], timeout=20, ssh_interface='private_ips')
    assert found.id == node.id and addresses == found.private_ips

    bare = driver.create_node(unique(), tiny(driver), ex_networks=[], ex_start=True)
    try:
        started = time.time()
        with pytest.raises(LibcloudError):
            driver.wait_until_running([bare], wait_period=0.2, timeout=1.5, ssh_interface='private_ips')
        assert time.time() - started < 15
    finally:
        driver.destroy_node(bare)


def test_credentials_travel_in_the_headers(config_file):
    second = SimplestackNodeDriver('second', config_file=config_file)
    headers = second.connection.add_default_headers({})
    assert base64.b64decode(headers['x-simplestack-hypervisor-token']).decode() == 'alice:pa:ss'
    assert headers['x-simplestack-token'] == 'key-1'
    assert 'x-simplestack-hypervisor-token' not in SimplestackNodeDriver('default', config_file=config_file) \
        .connection.add_default_headers({})


def test_driver_without_a_file(gateway, tmp_path, monkeypatch):
    monkeypatch.setenv('SIMPLESTACK_CONFIG', str(tmp_path / 'absent.cfg'))
    driver = SimplestackNodeDriver('default', gateway_url=gateway, hypervisor='test', target_host='default')
    assert 'test' in [n.name for n in driver.list_nodes()]


def test_attach_volume_then_detach_keeps_it(driver, gateway):
    volume = driver.create_volume(1, unique('vol') + '.img', ex_storage_id='default-pool')
    node = driver.create_node(name=unique(), size=tiny(driver, disk=1), ex_networks=[], ex_start=False)

    assert driver.attach_volume(node, volume, device='/dev/vdb')
    assert volume.state == StorageVolumeState.INUSE and volume.extra['attached_to'] == node.id
    disks = get(gateway, 'guests/%s/disks' % node.id)
    assert len(disks) == 2
    attached = [d for d in disks if d['path'] == volume.extra['path']]
    assert len(attached) == 1 and attached[0]['bus'] == 'virtio'
    listed = [v for v in driver.list_volumes() if v.id == volume.id][0]
    assert listed.state == StorageVolumeState.INUSE and listed.extra['attached_to'] == node.id
    assert listed.extra['used_by'] == [node.name]

    assert driver.detach_volume(listed)
    assert listed.state == StorageVolumeState.AVAILABLE
    left = get(gateway, 'guests/%s/disks' % node.id)
    assert len(left) == 1 and left[0]['path'] != volume.extra['path']  # the node's own disk stays
    kept = [v for v in driver.list_volumes() if v.id == volume.id]
    assert kept and kept[0].state == StorageVolumeState.AVAILABLE and kept[0].extra['used_by'] == []
    assert driver.detach_volume(kept[0]) is False

    # ex_node: only from that node; destroying the node keeps an attached volume as well.
    assert driver.attach_volume(node, kept[0])
    assert driver.detach_volume(kept[0], ex_node=driver.ex_get_node('test')) is False
    driver.destroy_node(node)
    assert volume.id in [v.id for v in driver.list_volumes()]
    assert driver.destroy_volume(volume)


def test_attach_volume_refusals(driver):
    volume = driver.create_volume(1, unique('vol') + '.img', ex_storage_id='default-pool')
    # The test hypervisor has no hot-plug: a running node answers 501.
    with pytest.raises(SimplestackNotImplementedError) as e:
        driver.attach_volume(driver.ex_get_node('test'), volume)
    assert e.value.status == 501
    node = driver.create_node(name=unique(), size=tiny(driver), ex_networks=[], ex_start=False)
    missing = StorageVolume('no-such.img', 'no-such.img', 1, driver, extra=dict(volume.extra))
    with pytest.raises(SimplestackNotFoundError):
        driver.attach_volume(node, missing)
    assert get_disks(driver, node) == []
    driver.destroy_node(node)
    driver.destroy_volume(volume)


def get_disks(driver, node):
    return driver.ex_request('GET', 'guests', node.id, 'disks')


def test_sizes_merge_gateway_and_file(driver, gateway):
    sizes = {s.id: s for s in driver.list_sizes()}
    assert sizes['m1.small'].ram == 100 and sizes['m1.small'].extra['source'] == 'configuration'
    assert sizes['tiny'].extra['cpus'] == 1
    assert sizes['m1.large'].ram == 6144 and sizes['m1.large'].extra['cpus'] == 2
    node = driver.create_node(name=unique(), size=sizes['tiny'], ex_start=False)
    assert get(gateway, 'guests/' + node.id)['memory'] == 64
    driver.destroy_node(node)


def test_images_and_create_node_from_one(driver, gateway):
    images = driver.list_images()
    assert images
    node = driver.create_node(name=unique(), size=tiny(driver), image=images[0], ex_start=False)
    assert get(gateway, 'guests/%s/disks' % node.id)
    driver.destroy_node(node)


def test_a_default_size_grows_the_image_boot_disk_to_its_disk(driver, gateway):
    sizes = {s.id: s for s in driver.list_sizes()}
    assert sizes['m1.medium'].disk == 20 and sizes['t1.micro'].disk == 5
    image = next(i for i in driver.list_images() if i.id == 'demo-image.qcow2')
    node = driver.create_node(name=unique(), size=sizes['m1.medium'], image=image, ex_networks=[], ex_start=False)
    disks = get(gateway, 'guests/%s/disks' % node.id)
    # The image's 64 MiB grown to the size's 20 GiB.
    assert [d['size_bytes'] for d in disks] == [20 << 30]
    driver.destroy_node(node)


def test_volumes_create_list_detach_destroy(driver, gateway):
    volume = driver.create_volume(1, unique('vol') + '.img', ex_storage_id='default-pool')
    assert volume.size == 1 and volume.state == StorageVolumeState.AVAILABLE
    assert volume.id in [v.id for v in driver.list_volumes()]
    assert driver.detach_volume(volume) is False

    node = driver.create_node(name=unique(), size=tiny(driver, disk=1), ex_start=False)
    disk = get(gateway, 'guests/%s/disks' % node.id)[0]
    attached = [v for v in driver.list_volumes() if v.extra.get('path') == disk['path']][0]
    assert attached.state == StorageVolumeState.INUSE and attached.extra['attached_to'] == node.id
    assert driver.detach_volume(attached)
    assert get(gateway, 'guests/%s/disks' % node.id) == []

    assert driver.destroy_volume(volume)
    assert volume.id not in [v.id for v in driver.list_volumes()]
    driver.destroy_node(node)
