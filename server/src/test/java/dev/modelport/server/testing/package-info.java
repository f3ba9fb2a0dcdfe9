/**
 * Test fixtures shared by every module's tests through the server's test-jar: scratch model stores
 * seeded from the default models, openssl-made certificates, real servers on a free port. Depends
 * on the server and the model store; used only in test scope.
 */
package dev.modelport.server.testing;
