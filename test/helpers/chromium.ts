// Debian's chromium, driven by playwright-core (nothing downloads a browser): where it is and
// the flags that keep a headless run quiet and offline. .ci/run installs it with apt-get.
export const CHROMIUM = '/usr/bin/chromium';

export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
  '--disable-quic',
];
