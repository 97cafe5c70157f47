"""FastCGI records (the FastCGI 1.0 specification's framing), for tests that speak the protocol
themselves: test_fastcgi as a client of the worker, deploy_support's FastCgiStub as a server
behind nginx."""
import struct

BEGIN_REQUEST, END_REQUEST, PARAMS, STDIN, STDOUT = 1, 3, 4, 5, 6
HEADER = struct.Struct(">BBHHBB")  # version, type, request id, content length, padding, reserved


def record(kind, content=b"", request_id=1):
    """One record of type `kind` carrying `content` (at most 65535 bytes), without padding."""
    return HEADER.pack(1, kind, request_id, len(content), 0, 0) + content


def header_fields(header):
    """(type, request id, content length, padding length) of an 8-byte record header."""
    _, kind, request_id, length, padding, _ = HEADER.unpack(header)
    return kind, request_id, length, padding
