# reisroute intake station / API image. Build: docker build -t reisroute .
FROM python:3.11-slim-bookworm

# adb for Android phones over USB (udev/plugdev access on the host), usbmuxd for iPhones over USB.
RUN apt-get update \
 && apt-get install -y --no-install-recommends adb usbmuxd libusb-1.0-0 \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md LICENSE ./
COPY extractor ./extractor
COPY routing ./routing
COPY matching ./matching
COPY api ./api
COPY legal_basis ./legal_basis
COPY store ./store
COPY casework ./casework
COPY catalogue ./catalogue
RUN pip install --no-cache-dir .

ENV REISROUTE_DATA_DIR=/var/lib/reisroute
VOLUME ["/var/lib/reisroute"]
EXPOSE 8000
RUN useradd --system --home /var/lib/reisroute reisroute && mkdir -p /var/lib/reisroute && chown reisroute /var/lib/reisroute
USER reisroute
CMD ["reisroute", "serve", "--host", "0.0.0.0", "--port", "8000"]
