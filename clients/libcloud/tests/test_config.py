import pytest

from simplestack_libcloud.config import ConfigurationError, SimplestackConfiguration

PATH = '/etc/simplestack/test.cfg'

GOOD = '''
; the StratusLab manner
[default]
gateway_url = http://127.0.0.1:8080
hypervisor = test
host = default
ssh_private_key = ~/.ssh/id_ed25519

[lab]
hypervisor = kvm
host = 10.0.0.5
username = admin
password = s3cret:with:colons

[instance_types]
tiny = 1, 256
big = 8, 16384, 40
'''


def test_good_file():
    configuration = SimplestackConfiguration.parse(GOOD, PATH)
    assert [l.name for l in configuration.locations] == ['default', 'lab']
    lab = configuration.get_location('LAB')
    assert (lab.hypervisor, lab.host, lab.username, lab.password) == ('kvm', '10.0.0.5', 'admin', 's3cret:with:colons')
    assert lab.gateway_url == 'http://127.0.0.1:8080'  # inherited from [default]
    assert not lab.ssh_private_key.startswith('~')
    assert 's3cret' not in repr(lab)
    assert configuration.instance_types == [
        {'id': 'tiny', 'name': 'tiny', 'cpus': 1, 'memory': 256, 'disk': None},
        {'id': 'big', 'name': 'big', 'cpus': 8, 'memory': 16384, 'disk': 40.0}]


def test_missing_default_section_names_file_and_section():
    with pytest.raises(ConfigurationError) as e:
        SimplestackConfiguration.parse('[lab]\nhost = x\n', PATH)
    assert e.value.file == PATH and e.value.section == 'default'
    assert PATH in str(e.value) and '[default]' in str(e.value)


def test_unknown_key_names_file_section_and_key():
    with pytest.raises(ConfigurationError) as e:
        SimplestackConfiguration.parse(
            '[default]\ngateway_url = http://x:1\nhypervisor = test\nhost = default\n[lab]\nhots = y\n', PATH)
    assert (e.value.section, e.value.key) == ('lab', 'hots')
    assert str(e.value).startswith(PATH + ': [lab] hots')


@pytest.mark.parametrize('text,section,key', [
    ('[default]\ngateway_url = ftp://x\nhypervisor = test\nhost = default\n', 'default', 'gateway_url'),
    ('[default]\nhypervisor = test\nhost = default\n', 'default', 'gateway_url'),
    ('[default]\ngateway_url = http://x\nhypervisor = test\nhost = default\n[lab]\nhost = a/b\n', 'lab', 'host'),
    ('[default]\ngateway_url = http://x\nhypervisor = test\nhost = default\n[instance_types]\nodd = one, 2\n', 'instance_types', 'odd'),
    ('[default]\ngateway_url = http://x\nhypervisor = test\nhost = default\nhost = again\n', 'default', 'host'),
])
def test_bad_values_name_section_and_key(text, section, key):
    with pytest.raises(ConfigurationError) as e:
        SimplestackConfiguration.parse(text, PATH)
    assert (e.value.section, e.value.key) == (section, key)
    assert str(e.value).startswith(PATH + ':')


def test_missing_file_and_unknown_location(tmp_path):
    with pytest.raises(ConfigurationError) as e:
        SimplestackConfiguration.load(str(tmp_path / 'nope.cfg'))
    assert 'nope.cfg' in str(e.value)
    with pytest.raises(ConfigurationError) as e:
        SimplestackConfiguration.parse(GOOD, PATH).get_location('nowhere')
    assert 'default, lab' in str(e.value)


def test_environment_variable_names_the_file(tmp_path, monkeypatch):
    path = tmp_path / 'x.cfg'
    path.write_text(GOOD)
    monkeypatch.setenv('SIMPLESTACK_CONFIG', str(path))
    assert SimplestackConfiguration.load().path == str(path)
