# The compare bench's model on dataClay 4.3 (Python): the same two classes as bench/model.ts.
from dataclay import DataClayObject, activemethod


class Echo(DataClayObject):
    payload: bytes

    def __init__(self, payload: bytes):
        self.payload = payload

    @activemethod
    def echo(self, value: bytes) -> bytes:
        return value


class Box(DataClayObject):
    value: int

    def __init__(self, value: int):
        self.value = value
