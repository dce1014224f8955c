"""The client configuration file, in the StratusLab manner (the same file the .NET SDK and the
``simplestack`` CLI read).

An INI file whose ``[default]`` section is required and whose other sections are locations, each
inheriting what it does not set from ``[default]``; plus ``[instance_types]`` for custom sizes
(``name = cpus, memory_mib[, disk_gib]``). Default path ``~/.simplestack/simplestack.cfg``,
overridden by the environment variable ``SIMPLESTACK_CONFIG``. Errors name the file, the section
and the key.
"""

import configparser
import os
from urllib.parse import urlparse

ENVIRONMENT_VARIABLE = 'SIMPLESTACK_CONFIG'
DEFAULT_SECTION = 'default'
INSTANCE_TYPES_SECTION = 'instance_types'
LOCATION_KEYS = ('gateway_url', 'hypervisor', 'host', 'username', 'password', 'api_key',
                 'ssh_private_key', 'ssh_public_key', 'ssh_username')


class ConfigurationError(Exception):
    """The configuration file is missing or wrong; the message names the file, section and key."""

    def __init__(self, file, section, key, problem):
        self.file = file
        self.section = section
        self.key = key
        if section is None and key is None:
            message = '%s: %s' % (file, problem)
        elif key is None:
            message = '%s: section [%s] %s' % (file, section, problem)
        elif section is None:
            message = '%s: key %r %s' % (file, key, problem)
        else:
            message = '%s: [%s] %s %s' % (file, section, key, problem)
        super().__init__(message)


class Location(object):
    """One location: a gateway, the target behind it, and the credentials for both."""

    def __init__(self, name, gateway_url, hypervisor, host, username=None, password=None,
                 api_key=None, ssh_private_key=None, ssh_public_key=None, ssh_username=None):
        self.name = name
        self.gateway_url = gateway_url
        self.hypervisor = hypervisor
        self.host = host
        self.username = username
        self.password = password
        self.api_key = api_key
        self.ssh_private_key = ssh_private_key
        self.ssh_public_key = ssh_public_key
        self.ssh_username = ssh_username

    @property
    def base_path(self):
        return '/%s/%s' % (self.hypervisor, self.host)

    def __repr__(self):
        # Redacted: a location may end up in a log.
        return '<Location %s: %s %s/%s>' % (self.name, self.gateway_url, self.hypervisor, self.host)


class SimplestackConfiguration(object):
    """The parsed file: ``locations`` (``default`` first) and ``instance_types``."""

    def __init__(self, path, locations, instance_types):
        self.path = path
        self.locations = locations
        self.instance_types = instance_types

    @property
    def default_location(self):
        return self.locations[0]

    def get_location(self, name=None):
        if not name:
            return self.default_location
        for location in self.locations:
            if location.name.lower() == name.lower():
                return location
        raise ConfigurationError(
            self.path or '(configuration)', name, None,
            'is not a location of this file; its locations are %s.'
            % ', '.join(l.name for l in self.locations))

    @classmethod
    def from_location(cls, location, instance_types=None):
        return cls(None, [location], instance_types or [])

    @classmethod
    def load(cls, path=None):
        path = os.path.expanduser(path or default_path())
        try:
            with open(path, encoding='utf-8') as f:
                text = f.read()
        except OSError as e:
            raise ConfigurationError(path, None, None, 'cannot be read: %s' % e.strerror)
        return cls.parse(text, path)

    @classmethod
    def parse(cls, text, path):
        parser = configparser.ConfigParser(interpolation=None, default_section='\0no-defaults')
        try:
            parser.read_string(text, source=path)
        except configparser.DuplicateOptionError as e:
            raise ConfigurationError(path, e.section, e.option, 'is set twice.')
        except configparser.DuplicateSectionError as e:
            raise ConfigurationError(path, e.section, None, 'appears twice.')
        except configparser.MissingSectionHeaderError as e:
            raise ConfigurationError(path, None, None, 'line %d is outside any section; start with [default].' % e.lineno)
        except configparser.Error as e:
            raise ConfigurationError(path, None, None, 'is not a valid INI file: %s' % e.message.splitlines()[0])

        sections = {s.lower(): s for s in parser.sections()}
        if DEFAULT_SECTION not in sections:
            raise ConfigurationError(path, DEFAULT_SECTION, None, 'is missing; the file must have a [default] section.')
        defaults = parser[sections[DEFAULT_SECTION]]

        instance_types = []
        if INSTANCE_TYPES_SECTION in sections:
            instance_types = _instance_types(path, parser[sections[INSTANCE_TYPES_SECTION]])

        names = [DEFAULT_SECTION] + [s for s in parser.sections()
                                     if s.lower() not in (DEFAULT_SECTION, INSTANCE_TYPES_SECTION)]
        locations = [_location(path, name, parser[sections.get(name.lower(), name)], defaults) for name in names]
        return cls(path, locations, instance_types)


def default_path():
    """``$SIMPLESTACK_CONFIG``, else ``~/.simplestack/simplestack.cfg``."""
    return os.path.expanduser(os.environ.get(ENVIRONMENT_VARIABLE) or '~/.simplestack/simplestack.cfg')


def _location(path, section, entries, defaults):
    for key in entries:
        if key not in LOCATION_KEYS:
            raise ConfigurationError(path, section, key, 'is not a known key; a location takes %s.' % ', '.join(LOCATION_KEYS))

    def get(key):
        value = entries.get(key) if key in entries else defaults.get(key)
        value = value.strip() if value is not None else None
        return value or None

    def where(key):
        return section if key in entries else DEFAULT_SECTION

    def require(key):
        value = get(key)
        if value is None:
            raise ConfigurationError(path, section, key, 'is required (set it in [%s] or in [default]).' % section)
        return value

    url = require('gateway_url')
    parsed = urlparse(url)
    if parsed.scheme not in ('http', 'https') or not parsed.hostname:
        raise ConfigurationError(path, where('gateway_url'), 'gateway_url', "must be an http:// or https:// URL, not '%s'." % url)
    hypervisor = require('hypervisor')
    host = require('host')
    for key, value in (('hypervisor', hypervisor), ('host', host)):
        if '/' in value or any(c.isspace() for c in value):
            raise ConfigurationError(path, where(key), key, "must be one word without '/' or spaces, not '%s'." % value)
    username, password = get('username'), get('password')
    if password is not None and username is None:
        raise ConfigurationError(path, where('password'), 'password', 'is set but username is not.')

    def expand(value):
        return os.path.expanduser(value) if value else None

    return Location(section.lower(), url, hypervisor, host, username=username, password=password,
                    api_key=get('api_key'), ssh_private_key=expand(get('ssh_private_key')),
                    ssh_public_key=expand(get('ssh_public_key')), ssh_username=get('ssh_username'))


def _instance_types(path, entries):
    sizes = []
    for name, value in entries.items():
        parts = [p.strip() for p in value.split(',')]
        try:
            if len(parts) not in (2, 3):
                raise ValueError()
            cpus, memory = int(parts[0]), int(parts[1])
            disk = float(parts[2]) if len(parts) == 3 else None
            if cpus < 1 or memory < 1 or (disk is not None and disk <= 0):
                raise ValueError()
        except ValueError:
            raise ConfigurationError(path, INSTANCE_TYPES_SECTION, name,
                                     "must be 'cpus, memory_mib[, disk_gib]' with positive numbers, not '%s'." % value)
        sizes.append({'id': name, 'name': name, 'cpus': cpus, 'memory': memory, 'disk': disk})
    return sizes
