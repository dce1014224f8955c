"""Apache Libcloud compute driver for the Simplestack hypervisor gateway.

Importing this package registers the driver with Libcloud as ``'simplestack'``::

    import simplestack_libcloud
    from libcloud.compute.providers import get_driver

    Driver = get_driver('simplestack')
    driver = Driver('default')          # a section of ~/.simplestack/simplestack.cfg
    nodes = driver.list_nodes()
"""

from libcloud.compute.providers import set_driver

PROVIDER = 'simplestack'


def register():
    """Registers the driver with Libcloud (once; later calls change nothing)."""
    try:
        set_driver(PROVIDER, 'simplestack_libcloud.driver', 'SimplestackNodeDriver')
    except AttributeError:
        pass  # already registered


register()

from simplestack_libcloud.config import (  # noqa: E402
    ConfigurationError, Location, SimplestackConfiguration, default_path)
from simplestack_libcloud.driver import (  # noqa: E402
    SimplestackAuthError, SimplestackConflictError, SimplestackError,
    SimplestackHypervisorError, SimplestackInvalidArgumentsError,
    SimplestackNodeDriver, SimplestackNotFoundError,
    SimplestackNotImplementedError)

__all__ = [
    'PROVIDER', 'register', 'SimplestackNodeDriver', 'SimplestackConfiguration',
    'Location', 'ConfigurationError', 'default_path', 'SimplestackError',
    'SimplestackNotFoundError', 'SimplestackConflictError', 'SimplestackAuthError',
    'SimplestackInvalidArgumentsError', 'SimplestackNotImplementedError',
    'SimplestackHypervisorError',
]
