# The room's socket fixtures: a booked design mock and connected clients.
from tests.interviews.conftest import slot  # noqa: F401
from tests.interviews.test_room_socket import clients, session  # noqa: F401
