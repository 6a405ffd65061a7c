/**
 * RFC 9420 §6: content rules of the framing layer that do not depend on group state.
 *
 *   "Application data MUST be sent as PrivateMessage" — so a PublicMessage may carry only
 *   proposals and commits (R-6-01). A sender refuses to build one; a receiver rejects one.
 */
import { ValidationError } from '../errors.js';
import { ContentType, type FramedContent } from './content.js';

/**
 * R-6-01: throws unless `content` may travel in a PublicMessage (proposal or commit). Called on
 * both sides: before protecting content as a PublicMessage, and on every decoded PublicMessage
 * before anything else looks at it.
 */
export function assertPublicMessageContentAllowed(content: Pick<FramedContent, 'contentType'>): void {
  if (content.contentType === ContentType.application) {
    throw new ValidationError('ERR_VALIDATION_WIRE_FORMAT', 'R-6-01', 'application data must be sent as a PrivateMessage, not a PublicMessage', {
      field: 'FramedContent.content_type',
    });
  }
}
