"""Hardware in the loop, host side: the protocol (protocol.py), transports (link.py), the device
under test (dut.py), the HIL firmware build (firmware.py), QEMU boards with their UART on a
socket (qemu_board.py) and the checks the suite in hil/ runs (session.py)."""
