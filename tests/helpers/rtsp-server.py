#!/usr/bin/python3
# A real RTSP server for camera tests (Debian's GStreamer RTSP server): serves an H.264 MP4 clip at
# rtsp://127.0.0.1:PORT/stream, over TCP or UDP as the client asks, in real time. Prints "ready" once listening.
# Run with Debian's own Python (it has python3-gi): /usr/bin/python3 tests/helpers/rtsp-server.py PORT CLIP
# Packages: gir1.2-gst-rtsp-server-1.0 python3-gi gstreamer1.0-plugins-good gstreamer1.0-plugins-bad (bootstrap --test).
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402

port, clip = sys.argv[1], sys.argv[2]
Gst.init(None)
server = GstRtspServer.RTSPServer()
server.set_address("127.0.0.1")
server.set_service(port)
factory = GstRtspServer.RTSPMediaFactory()
# No re-encoding: the clip's H.264 is packetised as it is.
factory.set_launch(f'( filesrc location="{clip}" ! qtdemux ! h264parse ! rtph264pay name=pay0 pt=96 config-interval=1 )')
factory.set_shared(True)
server.get_mount_points().add_factory("/stream", factory)
if server.attach(None) == 0:
    sys.exit(f"could not listen on 127.0.0.1:{port}")
print("ready", flush=True)
GLib.MainLoop().run()
