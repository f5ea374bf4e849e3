// Who the benchmarks enrol and which photos they show the cameras: enrolment photos and probe photos never overlap.
import type { LabelledFace } from './frames.js';

export const ENROLLED: { name: string; photos: string[] }[] = [
  { name: 'Barack Obama', photos: ['Barack_Obama/1.jpg', 'Barack_Obama/2.jpg'] },
  { name: 'Joe Biden', photos: ['Joe_Biden/1.jpg'] },
  { name: 'Guido van Rossum', photos: ['Guido_van_Rossum/1.jpg', 'Guido_van_Rossum/2.jpg', 'Guido_van_Rossum/4.jpg'] },
  { name: 'Paul Allen', photos: ['Paul_Allen/1.jpg', 'Paul_Allen/2.jpg'] },
  { name: 'Amy', photos: ['Amy/1.jpg'] },
];

/** The live and camera suites: one enrolled face. */
export const LIVE_SCENE = { photo: 'Guido_van_Rossum/3.jpg', faces: [{ name: 'Guido van Rossum' }] satisfies LabelledFace[] };

/**
 * The baseline's scenes: held-out photos of enrolled people, one person never enrolled (the right answer is no name),
 * and two group photos whose faces are placed by their centres (fractions of the photo, read off the images).
 */
export const SCENES: { photo: string; faces: LabelledFace[] }[] = [
  { photo: 'Barack_Obama/3.jpg', faces: [{ name: 'Barack Obama' }] },
  { photo: 'Barack_Obama/4.jpg', faces: [{ name: 'Barack Obama' }] },
  { photo: 'Barack_Obama/5.jpg', faces: [{ name: 'Barack Obama' }] },
  { photo: 'Joe_Biden/2.jpg', faces: [{ name: 'Joe Biden' }] },
  { photo: 'Guido_van_Rossum/3.jpg', faces: [{ name: 'Guido van Rossum' }] },
  { photo: 'Guido_van_Rossum/5.jpg', faces: [{ name: 'Guido van Rossum' }] },
  { photo: 'Paul_Allen/3.jpg', faces: [{ name: 'Paul Allen' }] },
  { photo: 'Paul_Allen/4.jpg', faces: [{ name: 'Paul Allen' }] },
  { photo: 'Paul_Allen/5.jpg', faces: [{ name: 'Paul Allen' }] },
  { photo: 'Amy/2.jpg', faces: [{ name: 'Amy' }] },
  { photo: 'Lin-Manuel_Miranda/1.jpg', faces: [{ name: null }] },
  {
    photo: '_group/obama_and_biden.jpg',
    faces: [
      { name: 'Joe Biden', at: { x: 0.43, y: 0.36 } },
      { name: 'Barack Obama', at: { x: 0.615, y: 0.33 } },
    ],
  },
  {
    photo: '_group/two_people.jpg',
    faces: [
      { name: 'Barack Obama', at: { x: 0.27, y: 0.2 } },
      { name: 'Joe Biden', at: { x: 0.765, y: 0.22 } },
    ],
  },
];
