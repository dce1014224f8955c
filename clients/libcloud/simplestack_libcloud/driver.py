"""``SimplestackNodeDriver``: Apache Libcloud's compute vocabulary over the Simplestack gateway.

Nodes are guests (``/{hypervisor}/{host}/guests``), sizes the gateway's instance types plus the
configuration file's ``[instance_types]``, images the gateway's images, locations the sections of
the configuration file, volumes the storage pools' volumes. Works with Libcloud 3.4 (Debian's
``python3-libcloud``) and later; ``deploy_node`` is Libcloud's own (it needs paramiko).
"""

import base64
import json
import os
import socket
import time
import uuid
from urllib.parse import quote

from libcloud.common.base import ConnectionKey, JsonResponse
from libcloud.common.types import LibcloudError, ProviderError
from libcloud.compute.base import (Node, NodeDriver, NodeImage, NodeLocation, NodeSize,
                                   StorageVolume)
from libcloud.compute.types import NodeState, StorageVolumeState
from libcloud.utils.networking import is_private_subnet, is_valid_ip_address

from simplestack_libcloud.config import Location, SimplestackConfiguration, default_path

HYPERVISOR_TOKEN_HEADER = 'x-simplestack-hypervisor-token'
API_KEY_HEADER = 'x-simplestack-token'
IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key'


class SimplestackError(ProviderError):
    """The gateway answered with an error: ``status``, the ``error`` word and its ``message``."""

    def __init__(self, status, error, message, driver=None):
        super().__init__(message, status, driver)
        self.status = status
        self.error = error
        self.message = message

    def __str__(self):
        return '%s (%s %s)' % (self.message, self.status, self.error)

    __repr__ = __str__


class SimplestackInvalidArgumentsError(SimplestackError):
    """400 or 413."""


class SimplestackAuthError(SimplestackError):
    """401 (credentials) or 403 (target not allowed)."""


class SimplestackNotFoundError(SimplestackError):
    """404."""


class SimplestackConflictError(SimplestackError):
    """409: name taken or wrong state."""


class SimplestackNotImplementedError(SimplestackError):
    """501: this hypervisor's driver cannot do it."""


class SimplestackHypervisorError(SimplestackError):
    """502, 503, 504: the hypervisor failed, is unreachable or timed out."""


_ERRORS = {400: SimplestackInvalidArgumentsError, 413: SimplestackInvalidArgumentsError,
           401: SimplestackAuthError, 403: SimplestackAuthError, 404: SimplestackNotFoundError,
           409: SimplestackConflictError, 501: SimplestackNotImplementedError,
           502: SimplestackHypervisorError, 503: SimplestackHypervisorError,
           504: SimplestackHypervisorError}


class SimplestackResponse(JsonResponse):
    def success(self):
        return 200 <= self.status < 300

    def parse_body(self):
        if not self.body:
            return None
        return super().parse_body()

    def parse_error(self):
        error, message = str(self.status), self.body or ('The gateway answered %s.' % self.status)
        try:
            body = json.loads(self.body)
            if isinstance(body, dict):
                error = body.get('error') or error
                message = body.get('message') or message
        except ValueError:
            pass
        raise _ERRORS.get(self.status, SimplestackError)(self.status, error, message,
                                                        driver=getattr(self.connection, 'driver', None))


class SimplestackConnection(ConnectionKey):
    """One location's gateway; adds the credential headers to every request."""

    responseCls = SimplestackResponse
    location = None  # type: Location

    def add_default_headers(self, headers):
        headers.setdefault('Content-Type', 'application/json')
        headers.setdefault('Accept', 'application/json')
        location = self.location
        if location is not None:
            if location.username is not None:
                token = '%s:%s' % (location.username, location.password or '')
                headers[HYPERVISOR_TOKEN_HEADER] = base64.b64encode(token.encode('utf-8')).decode('ascii')
            if location.api_key:
                headers[API_KEY_HEADER] = location.api_key
        return headers


# The longest ?wait_for=ip one request asks for; a longer wait_until_running makes several.
_WAIT_PER_REQUEST = 50

_STATES = {'STARTED': NodeState.RUNNING, 'STOPPED': NodeState.STOPPED, 'PAUSED': NodeState.PAUSED}
_DETAIL_STATES = {'shutdown': NodeState.STOPPING, 'pmsuspended': NodeState.SUSPENDED,
                  'crashed': NodeState.ERROR}


class SimplestackNodeDriver(NodeDriver):
    """Libcloud driver for a Simplestack gateway.

    ``SimplestackNodeDriver('default')`` reads the location of that name from the configuration
    file (``$SIMPLESTACK_CONFIG`` or ``~/.simplestack/simplestack.cfg``; ``config_file=`` to name
    another). Keyword arguments (``gateway_url``, ``hypervisor``, ``target_host``, ``username``,
    ``password``, ``api_key``, ``ssh_private_key``, ``ssh_public_key``) override the file's values,
    or stand alone when there is no file.
    """

    type = 'simplestack'
    name = 'Simplestack'
    website = 'https://github.com/simplestack'
    connectionCls = SimplestackConnection
    # create_node takes auth=NodeAuthSSHKey(...): the key reaches the guest through its NoCloud seed.
    features = {'create_node': ['ssh_key']}

    def __init__(self, key='default', secret=None, secure=False, host=None, port=None,
                 config_file=None, gateway_url=None, hypervisor=None, target_host=None,
                 username=None, password=None, api_key=None, ssh_private_key=None,
                 ssh_public_key=None, **kwargs):
        self.configuration = _configuration(key, config_file, gateway_url, hypervisor, target_host,
                                            username, password, api_key, ssh_private_key, ssh_public_key)
        self.location_config = self.configuration.get_location(key)
        self._connections = {}
        super().__init__(key=self.location_config.name, secret=None, secure=secure, host=host,
                         port=port, **kwargs)
        self.connection.location = self.location_config
        self._connections[self.location_config.name] = self.connection

    def _ex_connection_class_kwargs(self):
        return {'url': self.location_config.gateway_url}

    # -- plumbing ------------------------------------------------------------------------------

    def _connection_for(self, location=None):
        config = self._location_config(location)
        connection = self._connections.get(config.name)
        if connection is None:
            connection = SimplestackConnection(config.name, url=config.gateway_url)
            connection.driver = self
            connection.location = config
            connection.connect()
            self._connections[config.name] = connection
        return connection, config

    def _location_config(self, location=None):
        if location is None:
            return self.location_config
        if isinstance(location, Location):
            return location
        name = location.id if isinstance(location, NodeLocation) else location
        return self.configuration.get_location(name)

    def _request(self, location, method, *segments, **kwargs):
        connection, config = self._connection_for(location)
        path = config.base_path + ''.join('/' + quote(str(s), safe='') for s in segments)
        if kwargs.get('query'):
            path += '?' + kwargs['query']
        data = kwargs.get('data')
        body = json.dumps(data) if data is not None else None
        return connection.request(path, method=method, data=body, headers=kwargs.get('headers'),
                                  retry_failed=kwargs.get('retry_failed')).object

    def ex_request(self, method, *segments, **kwargs):
        """A raw call under ``/{hypervisor}/{host}`` of a location (``location=``)."""
        return self._request(kwargs.pop('location', None), method, *segments, **kwargs)

    # -- nodes ---------------------------------------------------------------------------------

    def list_nodes(self, ex_location=None):
        config = self._location_config(ex_location)
        return [self._to_node(g, config) for g in self._request(config, 'GET', 'guests')]

    def ex_get_node(self, node_id, ex_location=None):
        config = self._location_config(ex_location)
        return self._to_node(self._request(config, 'GET', 'guests', node_id), config)

    def wait_until_running(self, nodes, wait_period=5, timeout=600, ssh_interface='public_ips',
                           force_ipv4=True, ex_list_nodes_kwargs=None):
        """Libcloud's ``wait_until_running``, served by the gateway's ``?wait_for=ip``: each node
        is read with ``GET .../guests/{id}?wait_for=ip&timeout=S``, which answers as soon as the
        guest reports an address, instead of listing every node every ``wait_period`` seconds.
        A node counts once it is running with an address of ``ssh_interface`` (IPv4 only when
        ``force_ipv4``); ``wait_period`` only spaces the reads of a node that has an address but
        not yet one of that kind. Returns ``[(node, addresses)]``; ``LibcloudError`` past ``timeout``.
        """
        if ssh_interface not in ('public_ips', 'private_ips'):
            raise ValueError('ssh_interface argument must either be public_ips or private_ips')
        default_location = (ex_list_nodes_kwargs or {}).get('ex_location')
        end = time.time() + timeout
        found = []
        for node in nodes:
            config = self._location_config(node.extra.get('location') or default_location)
            while True:
                remaining = end - time.time()
                if remaining <= 0:
                    raise LibcloudError(value='Timed out after %s seconds' % timeout, driver=self)
                wait = min(remaining, self._longest_wait(config))
                try:
                    guest = self._request(config, 'GET', 'guests', node.id,
                                          query='wait_for=ip&timeout=%.3f' % wait)
                except SimplestackHypervisorError as error:
                    if error.status == 504:
                        continue  # no address yet within this request's wait
                    raise
                current = self._to_node(guest, config)
                addresses = [a for a in getattr(current, ssh_interface)
                             if not force_ipv4 or is_valid_ip_address(a, socket.AF_INET)]
                if current.state == NodeState.RUNNING and addresses:
                    found.append((current, addresses))
                    break
                time.sleep(max(0, min(wait_period, end - time.time())))
        return found

    def _longest_wait(self, config):
        """One request's wait: under the HTTP timeout of the connection (Libcloud's default is 60 s)."""
        connection, _ = self._connection_for(config)
        limit = getattr(connection, 'timeout', None) or 60
        return max(1, min(_WAIT_PER_REQUEST, limit - 10))

    def create_node(self, name, size, image=None, location=None, auth=None, ex_networks=None,
                    ex_ssh_keys=None, ex_user_data=None, ex_start=True, ex_domain_type=None,
                    ex_cdrom=None, ex_storage_id=None, ex_image_copy=None, ex_idempotency_key=None,
                    **kwargs):
        """Creates a guest with the size's cpus and memory, its boot disk from ``image`` (grown
        to the size's disk when it names one), one NIC per network of ``ex_networks`` (default:
        the network named ``default`` if any, else the first), started unless ``ex_start=False``.
        ``auth=NodeAuthSSHKey(pubkey)`` and ``ex_ssh_keys`` go into the guest's NoCloud seed; with
        neither, the location's ``ssh_public_key`` does.

        The request carries an ``Idempotency-Key`` (``ex_idempotency_key``, else a new uuid4), so
        Libcloud's retries of a failed connection, which send it again, make one guest; the same
        key with the same request later answers the same node."""
        config = self._location_config(location)
        keys = list(ex_ssh_keys or [])
        if auth is not None and getattr(auth, 'pubkey', None):
            keys.append(auth.pubkey.strip())
        if not keys and config.ssh_public_key and os.path.exists(config.ssh_public_key):
            with open(config.ssh_public_key, encoding='utf-8') as f:
                keys.append(f.read().strip())
        if ex_networks is None:
            networks = self._request(config, 'GET', 'networks')
            named = [n['name'] for n in networks if n.get('name') == 'default']
            ex_networks = named or [n['name'] for n in networks[:1]]

        body = {'name': name, 'memory': int(size.ram), 'start': bool(ex_start),
                'network_interfaces': [{'network': n} for n in ex_networks]}
        cpus = (size.extra or {}).get('cpus')
        if cpus:
            body['cpus'] = int(cpus)
        if size.disk:
            disk = {'size': size.disk}
            if ex_storage_id:
                disk['storage_id'] = ex_storage_id
            body['disks'] = [disk]
        elif image is not None and ex_storage_id:
            body['disks'] = [{'size': 0, 'storage_id': ex_storage_id}]
        if image is not None:
            body['image'] = image.id
        for key, value in (('ssh_keys', keys or None), ('user_data', ex_user_data),
                           ('domain_type', ex_domain_type), ('cdrom', ex_cdrom),
                           ('image_copy', ex_image_copy)):
            if value is not None:
                body[key] = value
        key = ex_idempotency_key or str(uuid.uuid4())
        try:
            guest = self._request(config, 'POST', 'guests', data=body,
                                  headers={IDEMPOTENCY_KEY_HEADER: key}, retry_failed=True)
        except SimplestackNotImplementedError:
            if ex_idempotency_key:
                raise
            # A hypervisor driver that keeps no keys refuses one before any work: once more without.
            guest = self._request(config, 'POST', 'guests', data=body)
        node = self._to_node(guest, config)
        node.size = size
        node.image = image
        return node

    def reboot_node(self, node, ex_force=False):
        self._request(node.extra.get('location'), 'PUT', 'guests', node.id, 'reboot', data={'force': bool(ex_force)})
        return True

    def destroy_node(self, node, ex_keep_disks=False):
        self._request(node.extra.get('location'), 'DELETE', 'guests', node.id,
                      query='keep_disks=true' if ex_keep_disks else None)
        return True

    def start_node(self, node):
        self._power(node, 'start')
        return True

    def stop_node(self, node, ex_force=False, ex_wait=None):
        """Asks the guest to shut down (ACPI); ``ex_force`` pulls the plug; ``ex_wait`` seconds waits for it."""
        self._power(node, 'force_stop' if ex_force else 'stop', ex_wait)
        return True

    # The names Libcloud drivers used before start_node/stop_node joined the base API.
    def ex_start_node(self, node):
        return self.start_node(node)

    def ex_stop_node(self, node, ex_force=False, ex_wait=None):
        return self.stop_node(node, ex_force, ex_wait)

    def ex_pause_node(self, node):
        self._power(node, 'pause')
        return True

    def ex_resume_node(self, node):
        self._power(node, 'resume')
        return True

    def _power(self, node, state, wait=None):
        self._request(node.extra.get('location'), 'PUT', 'guests', node.id, 'power', data={'state': state},
                      query=('wait=%s' % wait) if wait else None)

    # -- sizes, images, locations --------------------------------------------------------------

    def list_sizes(self, location=None):
        """The gateway's instance types, then the configuration's (which replace one of the same name)."""
        config = self._location_config(location)
        configured = list(self.configuration.instance_types)
        names = {s['id'].lower() for s in configured}
        gateway = [dict(s, source='gateway') for s in self._request(config, 'GET', 'sizes')
                   if s['id'].lower() not in names]
        return [self._to_size(s) for s in gateway] + \
               [self._to_size(dict(s, source='configuration')) for s in configured]

    def list_images(self, location=None, ex_only_active=True):
        config = self._location_config(location)
        return [NodeImage(id=i['id'], name=i.get('name') or i['id'], driver=self,
                          extra={k: v for k, v in i.items() if k not in ('id', 'name')})
                for i in self._request(config, 'GET', 'images')]

    def list_locations(self):
        return [self._to_location(l) for l in self.configuration.locations]

    # -- volumes -------------------------------------------------------------------------------

    def list_volumes(self, ex_location=None):
        config = self._location_config(ex_location)
        owners = self._disk_owners(config)
        volumes = []
        for storage in self._request(config, 'GET', 'storages'):
            for volume in self._request(config, 'GET', 'storages', storage['id'], 'volumes'):
                volumes.append(self._to_volume(volume, storage['id'], config, owners.get(volume.get('path'))))
        return volumes

    def create_volume(self, size, name, location=None, snapshot=None, ex_storage_id=None, ex_format=None):
        """Creates a volume of ``size`` GiB in ``ex_storage_id`` (default: the pool named ``default``, else the first)."""
        config = self._location_config(location)
        if ex_storage_id is None:
            storages = self._request(config, 'GET', 'storages')
            if not storages:
                raise SimplestackError(404, 'EntityNotFound', 'The target has no storage pool.', driver=self)
            named = [s for s in storages if s.get('name') == 'default']
            ex_storage_id = (named or storages)[0]['id']
        body = {'name': name, 'size': size}
        if ex_format:
            body['format'] = ex_format
        volume = self._request(config, 'POST', 'storages', ex_storage_id, 'volumes', data=body)
        return self._to_volume(volume, ex_storage_id, config, None)

    def destroy_volume(self, volume):
        self._request(volume.extra.get('location'), 'DELETE', 'storages', volume.extra['storage_id'], 'volumes', volume.id)
        return True

    def attach_volume(self, node, volume, device=None, ex_mount=False, ex_bus=None):
        """Attaches an existing volume to a node as a new disk (``POST .../guests/{id}/disks`` with
        ``{"volume", "storage_id"}``); ``detach_volume`` (or destroying the node) keeps the volume.
        The gateway chooses the device target: ``device`` only chooses the bus by its prefix, as a
        Linux guest names it (``vdX`` virtio, ``sdX`` scsi, ``hdX`` ide, ``/dev/`` allowed; any other
        name leaves the gateway's default), and ``ex_bus`` names one outright. Hypervisors without
        hot-plug (the test hypervisor) need the node stopped: a running one answers 501
        (``SimplestackNotImplementedError``)."""
        node_location = node.extra.get('location')
        volume_location = volume.extra.get('location')
        if node_location and volume_location and node_location != volume_location:
            raise ValueError('The volume is in location %r, the node in %r.' % (volume_location, node_location))
        config = self._location_config(node_location or volume_location)
        body = {'volume': volume.id, 'storage_id': volume.extra['storage_id']}
        bus = ex_bus or _bus_of(device)
        if bus:
            body['bus'] = bus
        disk = self._request(config, 'POST', 'guests', node.id, 'disks', data=body)
        volume.extra.update({'attached_to': node.id, 'device': disk.get('id')})
        volume.state = StorageVolumeState.INUSE
        return True

    def detach_volume(self, volume, ex_node=None):
        """Detaches the volume from the guest whose disk it is (``DELETE .../disks/{target}``), or
        from ``ex_node`` only; False when no guest uses it. The gateway keeps a volume attached with
        ``attach_volume`` (or otherwise from elsewhere) and deletes one it created for that guest
        as its disk."""
        config = self._location_config(volume.extra.get('location'))
        path = volume.extra.get('path')
        if ex_node is not None:
            disks = self._request(config, 'GET', 'guests', ex_node.id, 'disks')
            owner = next(((ex_node.id, d['id']) for d in disks if path and d.get('path') == path), None)
        else:
            owner = self._disk_owners(config).get(path)
        if owner is None:
            return False
        self._request(config, 'DELETE', 'guests', owner[0], 'disks', owner[1])
        volume.extra.update({'attached_to': None, 'device': None})
        volume.state = StorageVolumeState.AVAILABLE
        return True

    def ex_create_disk(self, node, size, ex_storage_id=None, ex_name=None):
        """Adds a new disk of ``size`` GiB to a node; returns it as a volume."""
        config = self._location_config(node.extra.get('location'))
        body = {'size': size}
        if ex_storage_id:
            body['storage_id'] = ex_storage_id
        if ex_name:
            body['name'] = ex_name
        disk = self._request(config, 'POST', 'guests', node.id, 'disks', data=body)
        return StorageVolume(id=disk.get('name') or disk['id'], name=disk.get('name') or disk['id'],
                             size=disk.get('size'), driver=self, state=StorageVolumeState.INUSE,
                             extra={'path': disk.get('path'), 'attached_to': node.id, 'device': disk['id'],
                                    'location': config.name})

    def _disk_owners(self, config):
        owners = {}
        for guest in self._request(config, 'GET', 'guests'):
            try:
                disks = self._request(config, 'GET', 'guests', guest['id'], 'disks')
            except SimplestackNotFoundError:
                continue
            for disk in disks:
                if disk.get('path'):
                    owners.setdefault(disk['path'], (guest['id'], disk['id']))
        return owners

    # -- conversions ---------------------------------------------------------------------------

    def _to_node(self, guest, config):
        addresses = list(guest.get('ips') or ([guest['ip']] if guest.get('ip') else []))
        private = [a for a in addresses if _is_private(a)]
        public = [a for a in addresses if not _is_private(a)]
        state = _DETAIL_STATES.get((guest.get('state_detail') or '').lower()) \
            or _STATES.get(guest.get('state'), NodeState.UNKNOWN)
        extra = {k: guest.get(k) for k in ('cpus', 'memory', 'hdd', 'host', 'state', 'state_detail',
                                           'paravirtualized', 'tools_up_to_date')}
        extra['location'] = config.name
        return Node(id=guest['id'], name=guest['name'], state=state, public_ips=public,
                    private_ips=private, driver=self, extra=extra)

    def _to_size(self, size):
        return NodeSize(id=size['id'], name=size.get('name') or size['id'], ram=size['memory'],
                        disk=size.get('disk') or 0, bandwidth=None, price=None, driver=self,
                        extra={'cpus': size.get('cpus'), 'source': size.get('source')})

    def _to_location(self, location):
        return NodeLocation(id=location.name, name='%s/%s via %s' % (location.hypervisor, location.host, location.gateway_url),
                            country='', driver=self)

    def _to_volume(self, volume, storage_id, config, owner):
        extra = {k: v for k, v in volume.items() if k not in ('id', 'name', 'size')}
        extra.update({'storage_id': volume.get('storage_id') or storage_id, 'location': config.name,
                      'attached_to': owner[0] if owner else None})
        return StorageVolume(id=volume['id'], name=volume.get('name') or volume['id'], size=volume.get('size'),
                             driver=self, state=StorageVolumeState.INUSE if owner else StorageVolumeState.AVAILABLE,
                             extra=extra)


def _bus_of(device):
    """The bus a device name implies (``/dev/sdb`` -> ``scsi``), or None."""
    if not device:
        return None
    name = device.strip()
    if name.startswith('/dev/'):
        name = name[len('/dev/'):]
    for prefix, bus in (('vd', 'virtio'), ('sd', 'scsi'), ('hd', 'ide')):
        if name.startswith(prefix):
            return bus
    return None


def _is_private(address):
    if ':' in address:
        lowered = address.lower()
        return lowered.startswith('fe80:') or lowered.startswith('fc') or lowered.startswith('fd') or lowered == '::1'
    if not is_valid_ip_address(address):
        return False
    return is_private_subnet(address) or address.startswith('127.') or address.startswith('169.254.') \
        or _in_cgnat(address)


def _in_cgnat(address):
    first, second = (int(p) for p in address.split('.')[:2])
    return first == 100 and 64 <= second <= 127


def _configuration(key, config_file, gateway_url, hypervisor, target_host, username, password,
                   api_key, ssh_private_key, ssh_public_key):
    """The file's configuration, with the keyword arguments laid over the chosen location; the
    keyword arguments alone when no file is named and the default file does not exist."""
    overrides = {'gateway_url': gateway_url, 'hypervisor': hypervisor, 'host': target_host,
                 'username': username, 'password': password, 'api_key': api_key,
                 'ssh_private_key': ssh_private_key, 'ssh_public_key': ssh_public_key}
    path = config_file or default_path()
    if config_file or os.path.exists(path) or not gateway_url:
        configuration = SimplestackConfiguration.load(path)
    else:
        configuration = SimplestackConfiguration.from_location(
            Location(key or 'default', gateway_url, hypervisor or 'test', target_host or 'default'))
        key = None
    chosen = configuration.get_location(key)
    for name, value in overrides.items():
        if value is not None:
            setattr(chosen, name, value)
    return configuration
