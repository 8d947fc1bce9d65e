"""One exception root for the extractor package.

Messages say what was wrong and what the officer can do about it.
"""


class ExtractionError(Exception):
    """Root of every error raised by the extractor."""


class DeviceNotFound(ExtractionError):
    """No device answered at the given address."""


class DeviceUnauthorised(ExtractionError):
    """The device refused this station's key: the owner must accept the prompt on the phone."""


class DeviceTimeout(ExtractionError):
    """The device stopped answering within the time limit."""


class DeviceDisconnected(ExtractionError):
    """The connection dropped mid-operation (cable pulled, phone locked, service died)."""


class SourceFileNotFound(ExtractionError):
    """A path the plan named does not exist on the source."""


class HostileInput(ExtractionError):
    """The input tried something unsafe (path traversal, symlink loop, bomb, oversized member)."""


class ArtifactCorrupted(ExtractionError):
    """An artifact's bytes could not be parsed; other artifacts carry on."""


class ScopeViolation(ExtractionError):
    """Something asked for data outside the authorised categories or window."""


class IdentityMismatch(ExtractionError):
    """The connected device is not the one registered for the case."""
