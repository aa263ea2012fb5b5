/** Jibri's IQ and presence namespace: the recorder answers in it, the fleet's brewery watch reads it. */
export const NS_JIBRI = 'http://jitsi.org/protocol/jibri';
